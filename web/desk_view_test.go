package web

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
)

// Options.Select must write what OptionList writes, selected or not: the
// markup made once stands in for it on every dashboard.
func TestOptionsSelectWritesOptionList(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 8))
	words := []string{"agent", "<b>", "a&b", `"q"`, "'s'", "é", "team-1", "", "x@example.com"}
	word := func() string {
		var b strings.Builder
		for range 1 + r.IntN(3) {
			b.WriteString(words[r.IntN(len(words))])
		}
		return b.String()
	}
	for range 300 {
		list := make([]Option, r.IntN(40))
		for i := range list {
			list[i] = Option{Value: word(), Label: word()}
		}
		o := NewOptions(list)
		selected := []string{"", "nobody@example.com", word()}
		if len(list) > 0 {
			selected = append(selected, list[r.IntN(len(list))].Value)
		}
		for _, sel := range selected {
			var got, want strings.Builder
			if err := o.Select(sel).Render(context.Background(), &got); err != nil {
				t.Fatal(err)
			}
			if err := OptionList(list, sel).Render(context.Background(), &want); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Fatalf("Select(%q) of %v wrote\n%s\nwant\n%s", sel, list, got.String(), want.String())
			}
		}
	}
	// Built without NewOptions, it still lists its options.
	var b strings.Builder
	if err := (Options{List: []Option{{Value: "v", Label: "L"}}}).Select("").Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if b.String() != `<option value="v">L</option>` {
		t.Fatalf("bare Options wrote %q", b.String())
	}
}
