package examples

import "testing"

func TestCounter(t *testing.T) {
	next := Counter()
	if next() != 1 || next() != 2 {
		t.Fatal("counter does not count")
	}
}

func TestIndex(t *testing.T) {
	index := NewIndex([]string{"a", "b"})
	if index["b"] != 1 {
		t.Errorf("index = %v", index)
	}
}
