// Package examples shows the heap escapes goescape explains: maps, closures and interface
// conversions first, then slices, pointers, strings and large values. Run `make demo` at the
// repository root to see goescape's findings for this package.
package examples

import (
	"fmt"
	"strconv"
)

// NewIndex returns a map: the map outlives the call, so it is allocated on the heap.
func NewIndex(words []string) map[string]int {
	index := make(map[string]int)
	for i, w := range words {
		index[w] = i
	}
	return index
}

// PrintCounts passes a map to fmt.Println, which takes ...any: the map is converted to an
// interface and escapes.
func PrintCounts() {
	counts := map[string]int{"maps": 1, "closures": 2}
	fmt.Println(counts)
}

// Counter returns a closure: the func literal escapes, and so does n, which it captures.
func Counter() func() int {
	n := 0
	return func() int {
		n++
		return n
	}
}

// Greeter captures a local variable by reference in a closure that outlives the call.
func Greeter(name string) func() string {
	greeting := "hello, "
	greeting += name
	return func() string { return greeting }
}

// Describe converts an int to an interface for fmt.Sprintf; strconv.Itoa would not.
func Describe(id int) string {
	return fmt.Sprintf("item %d", id)
}

// DescribeFast does the same without an interface conversion.
func DescribeFast(id int) string {
	return "item " + strconv.Itoa(id)
}

// Point is a small struct.
type Point struct{ X, Y int }

// NewPoint returns a pointer to a composite literal, which moves it to the heap.
func NewPoint(x, y int) *Point {
	return &Point{X: x, Y: y}
}

// Buffer makes a slice whose size is only known at run time.
func Buffer(n int) []byte {
	return make([]byte, n)
}

// Label concatenates strings into a new string that is returned; 名前 is a non-ASCII name.
func Label(名前 string, id int) string {
	return "名前=" + 名前 + "#" + strconv.Itoa(id)
}

// Table keeps a large array, too large for the stack.
func Table() int {
	var table [1 << 20]int64
	table[7] = 7
	return int(table[7]) + len(table)
}
