package kb

import "strings"

// DiffOp says what happened to a line between two versions.
type DiffOp byte

// Diff operations.
const (
	Same    DiffOp = ' '
	Added   DiffOp = '+'
	Removed DiffOp = '-'
)

// DiffLine is one line of a diff.
type DiffLine struct {
	Op   DiffOp
	Text string
}

// Diff compares two texts line by line (longest common subsequence; an
// article is at most a few thousand lines, so the quadratic table is
// small). Lines the two share at the start and end are taken off first,
// which makes the usual small edit cheap.
func Diff(a, b string) []DiffLine {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	var head, tail []DiffLine
	for len(x) > 0 && len(y) > 0 && x[0] == y[0] {
		head = append(head, DiffLine{Same, x[0]})
		x, y = x[1:], y[1:]
	}
	for len(x) > 0 && len(y) > 0 && x[len(x)-1] == y[len(y)-1] {
		tail = append([]DiffLine{{Same, x[len(x)-1]}}, tail...)
		x, y = x[:len(x)-1], y[:len(y)-1]
	}
	if len(x)*len(y) > 4_000_000 {
		// Too large to align: everything old out, everything new in.
		out := head
		for _, l := range x {
			out = append(out, DiffLine{Removed, l})
		}
		for _, l := range y {
			out = append(out, DiffLine{Added, l})
		}
		return append(out, tail...)
	}
	// lcs[i][j]: length of the common subsequence of x[i:] and y[j:].
	lcs := make([][]int32, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	out := head
	i, j := 0, 0
	for i < len(x) && j < len(y) {
		switch {
		case x[i] == y[j]:
			out = append(out, DiffLine{Same, x[i]})
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, DiffLine{Removed, x[i]})
			i++
		default:
			out = append(out, DiffLine{Added, y[j]})
			j++
		}
	}
	for ; i < len(x); i++ {
		out = append(out, DiffLine{Removed, x[i]})
	}
	for ; j < len(y); j++ {
		out = append(out, DiffLine{Added, y[j]})
	}
	return append(out, tail...)
}
