package p
func f() {
	x := 1 //goescape:noescape
	//goescape:allow why
	y := 2
}
//gcassert:noescape
func g() {}
