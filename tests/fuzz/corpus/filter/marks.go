package p

func f() *int {
	// goescape:ignore: reason
	x := 1 // goescape:ignore
	s := `a
// goescape:ignore` + "//goescape:ignore"
	/* goescape:ignore */ return &x
}
