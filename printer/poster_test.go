package printer_test

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/printer/printertest"
	"github.com/tochka-loyalty/tochka/rewards"
)

// drawnAndPlanned is the poster's PDF and the plan of its tiles.
func drawnAndPlanned(t testing.TB, p printer.Poster) ([]byte, printer.PosterPlan) {
	t.Helper()
	pdf, _, err := printer.PosterPDF(p)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := printer.PlanPoster(p)
	if err != nil {
		t.Fatal(err)
	}
	return pdf, plan
}

// posterOf is a poster of the co-op's items, printed at the fixtures'
// date, with no pictures.
func posterOf(t testing.TB, lang, size string, items []rewards.Reward) printer.Poster {
	return printer.Poster{Program: bundled(t, "coop"), Lang: lang, Size: size, Items: items, Printed: printedAt}
}

// printedOrder returns the first words of the items' names in the order a
// reader meets them on the poster: page by page, row by row, left to right.
func printedOrder(t *testing.T, pdf []byte, firstWords []string) []string {
	t.Helper()
	type seen struct {
		word string
		box  printertest.Box
	}
	var found []seen
	for _, b := range printertest.PDFBoxes(t, "poster", pdf) {
		if slices.Contains(firstWords, b.Text) {
			found = append(found, seen{b.Text, b})
		}
	}
	if len(found) != len(firstWords) {
		t.Fatalf("found %d of the names %q on the poster", len(found), firstWords)
	}
	slices.SortFunc(found, func(a, b seen) int {
		return cmp.Or(cmp.Compare(a.box.Page, b.box.Page), cmp.Compare(int(a.box.YMin), int(b.box.YMin)), cmp.Compare(a.box.XMin, b.box.XMin))
	})
	var out []string
	for _, f := range found {
		out = append(out, f.word)
	}
	return out
}

// A poster reads as a price list: by points, then by name as the poster's
// language sorts it (ё with е in Russian, capitals with their small
// letters), never by id (1, 10, 11, 2).
func TestPosterPriceListOrder(t *testing.T) {
	for _, tc := range []struct {
		lang  string
		items []rewards.Reward // in id order, as the ledger lists them
		want  []string
	}{
		{printer.LangBG, []rewards.Reward{
			{ID: "1", Points: 300, Names: rewards.Names{BG: "Мед"}},
			{ID: "10", Points: 300, Names: rewards.Names{BG: "кафе"}},
			{ID: "11", Points: 120, Names: rewards.Names{BG: "Олио"}},
			{ID: "2", Points: 1500, Names: rewards.Names{BG: "Брашно"}},
			{ID: "3", Points: 50, Names: rewards.Names{BG: "ябълки", EN: "Apples"}},
		}, []string{"ябълки", "Олио", "кафе", "Мед", "Брашно"}},
		{printer.LangRU, []rewards.Reward{
			{ID: "1", Points: 200, Names: rewards.Names{RU: "Жвачка"}},
			{ID: "10", Points: 200, Names: rewards.Names{RU: "Ёлочная игрушка"}},
			{ID: "11", Points: 200, Names: rewards.Names{RU: "Елка"}},
			{ID: "2", Points: 100, Names: rewards.Names{RU: "Чай"}},
		}, []string{"Чай", "Елка", "Ёлочная", "Жвачка"}},
		{printer.LangEN, []rewards.Reward{
			{ID: "1", Points: 80, Names: rewards.Names{EN: "cherry"}},
			{ID: "10", Points: 80, Names: rewards.Names{EN: "Banana", BG: "Банан"}},
			{ID: "11", Points: 80, Names: rewards.Names{EN: "apple"}},
			{ID: "2", Points: 20, Names: rewards.Names{EN: "Zest"}},
		}, []string{"Zest", "apple", "Banana", "cherry"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			t.Parallel()
			for i := range tc.items {
				tc.items[i].Coop = "coop-sofia"
			}
			pdf, _, err := printer.PosterPDF(posterOf(t, tc.lang, printer.PosterA4, tc.items))
			if err != nil {
				t.Fatal(err)
			}
			if got := printedOrder(t, pdf, tc.want); !slices.Equal(got, tc.want) {
				t.Errorf("printed in the order %q, want %q", got, tc.want)
			}
			plan, err := printer.PlanPoster(posterOf(t, tc.lang, printer.PosterA4, tc.items))
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, tl := range plan.Tiles {
				ids = append(ids, tl.Reward)
			}
			byName := map[string]string{}
			for _, r := range tc.items {
				byName[strings.Fields(r.Names.In(tc.lang))[0]] = r.ID
			}
			var want []string
			for _, w := range tc.want {
				want = append(want, byName[w])
			}
			if !slices.Equal(ids, want) {
				t.Errorf("planned in the order %q, want %q", ids, want)
			}
		})
	}
}

// wordsInTiles fails the test for each word of the poster's grid whose box
// is not inside a tile of its page: a name that runs into its neighbour's
// tile, into the gap between two or off the page. The heading and the
// footer, above and below every tile, are not the grid's.
func wordsInTiles(t *testing.T, plan printer.PosterPlan, boxes []printertest.Box) {
	t.Helper()
	top, bottom := plan.Height, 0.0
	for _, tl := range plan.Tiles {
		top, bottom = min(top, tl.Y), max(bottom, tl.Y+tl.H)
	}
	n := 0
	for _, b := range boxes {
		if b.YMax <= top || b.YMin >= bottom {
			continue
		}
		n++
		if !slices.ContainsFunc(plan.Tiles, func(tl printer.PosterTile) bool {
			return tl.Page == b.Page-1 && b.Inside(tl.X, tl.Y, tl.W, tl.H, 0.05)
		}) {
			t.Errorf("page %d: %q at x %.1f–%.1f, y %.1f–%.1f mm is not inside a tile", b.Page, b.Text, b.XMin, b.XMax, b.YMin, b.YMax)
		}
	}
	if n == 0 {
		t.Error("no words in the grid")
	}
}

// A name that cannot wrap at spaces wraps after its hyphens and, failing
// that, anywhere, inside its own tile: nothing runs into a neighbour's.
func TestPosterLongNames(t *testing.T) {
	const pan = "Тенджера-тиган-комплект-неръждаема-стомана-Tefal"
	long := strings.Repeat("Суперпродукт", 5) // 60 letters, no space, no hyphen
	if n := len([]rune(long)); n != 60 {
		t.Fatalf("the long word has %d letters", n)
	}
	items := []rewards.Reward{
		{ID: "pan", Points: 100, Names: rewards.Names{BG: pan, RU: pan, EN: pan}},
		{ID: "next", Points: 200, Names: rewards.Names{BG: "Чаша", RU: "Чашка", EN: "Cup"}},
		{ID: "long", Points: 300, Names: rewards.Names{BG: long, RU: long, EN: long}},
		{ID: "spaces", Points: 400, Names: rewards.Names{BG: "Олио слънчогледово рафинирано 1 л", RU: "Масло подсолнечное рафинированное 1 л", EN: "Refined sunflower oil 1 l"}},
	}
	for i := 4; i < 12; i++ {
		items = append(items, rewards.Reward{ID: fmt.Sprintf("x%02d", i), Points: int64(100 * (i + 1)), Names: rewards.Names{BG: "Награда", RU: "Подарок", EN: "Reward"}})
	}
	for _, size := range []string{printer.PosterA4, printer.PosterA3} {
		for _, n := range []int{1, 4, 12} {
			t.Run(fmt.Sprintf("%s-%d", size, n), func(t *testing.T) {
				t.Parallel()
				p := posterOf(t, printer.LangBG, size, items[:n])
				pdf, plan := drawnAndPlanned(t, p)
				boxes := printertest.PDFBoxes(t, "poster", pdf)
				wordsInTiles(t, plan, boxes)
				// The pan's name breaks after its hyphens, never inside
				// a word that a hyphen ends.
				var pieces []string
				for _, b := range boxes {
					if strings.Contains(b.Text, "-") || strings.HasPrefix(b.Text, "Тенджера") {
						pieces = append(pieces, b.Text)
					}
				}
				if len(pieces) < 2 || !strings.HasPrefix(pieces[0], "Тенджера-тиган-") {
					t.Errorf("the pan's name is printed as %q", pieces)
				}
				for _, piece := range pieces {
					if !strings.HasSuffix(piece, "-") && !strings.HasSuffix(piece, "Tefal") && !strings.HasSuffix(piece, "…") {
						t.Errorf("the pan's name is broken inside a word: %q", piece)
					}
				}
			})
		}
	}
}

// rewardsN is n items of 100, 200, ... points.
func rewardsN(n int) []rewards.Reward {
	items := make([]rewards.Reward, n)
	for i := range items {
		items[i] = rewards.Reward{ID: fmt.Sprintf("r%02d", i), Points: int64(100 * (i + 1)), Coop: "coop-sofia",
			Names: rewards.Names{BG: fmt.Sprintf("Награда № %d", i+1)}}
	}
	return items
}

// The grid is chosen for the number of items and the paper: the largest
// tiles that hold them, no smaller than 3 × 4 on A4 makes them. A few
// items fill the page in large tiles; a long board takes as few pages as
// it must, shared evenly. A3 is laid out by its own geometry: 20 tiles a
// page, not A4's 12 scaled up.
func TestPosterGrid(t *testing.T) {
	type grid struct {
		cols, rows, pages int
		x0, y0            float64 // the first tile
		w, h              float64 // every tile
		gap               float64
		perPage           []int
	}
	for _, tc := range []struct {
		size string
		n    int
		want grid
	}{
		{printer.PosterA4, 1, grid{1, 1, 1, 12, 44, 186, 231, 5, []int{1}}},
		{printer.PosterA4, 6, grid{2, 3, 1, 12, 44, 90.5, 73.67, 5, []int{6}}},
		{printer.PosterA4, 12, grid{3, 4, 1, 12, 44, 58.67, 54, 5, []int{12}}},
		{printer.PosterA4, 30, grid{3, 4, 3, 12, 44, 58.67, 54, 5, []int{10, 10, 10}}},
		{printer.PosterA3, 1, grid{1, 1, 1, 15, 55, 267, 338, 6, []int{1}}},
		{printer.PosterA3, 6, grid{2, 3, 1, 15, 55, 130.5, 108.67, 6, []int{6}}},
		{printer.PosterA3, 12, grid{3, 4, 1, 15, 55, 85, 80, 6, []int{12}}},
		{printer.PosterA3, 30, grid{3, 5, 2, 15, 55, 85, 62.8, 6, []int{15, 15}}},
	} {
		t.Run(fmt.Sprintf("%s-%d", tc.size, tc.n), func(t *testing.T) {
			t.Parallel()
			p := posterOf(t, printer.LangBG, tc.size, rewardsN(tc.n))
			plan, err := printer.PlanPoster(p)
			if err != nil {
				t.Fatal(err)
			}
			near := func(a, b float64) bool { return a-b < 0.01 && b-a < 0.01 }
			w := tc.want
			if plan.Cols != w.cols || plan.Rows != w.rows || plan.Pages != w.pages || len(plan.Tiles) != tc.n {
				t.Fatalf("%d × %d tiles on %d pages for %d items, want %d × %d on %d", plan.Cols, plan.Rows, plan.Pages, len(plan.Tiles), w.cols, w.rows, w.pages)
			}
			perPage := make([]int, plan.Pages)
			for i, tl := range plan.Tiles {
				perPage[tl.Page]++
				k := perPage[tl.Page] - 1
				x := w.x0 + float64(k%w.cols)*(w.w+w.gap)
				y := w.y0 + float64(k/w.cols)*(w.h+w.gap)
				if tl.Reward != p.Items[i].ID || !near(tl.X, x) || !near(tl.Y, y) || !near(tl.W, w.w) || !near(tl.H, w.h) {
					t.Errorf("tile %d: %+v, want %s at %.2f, %.2f, %.2f × %.2f", i, tl, p.Items[i].ID, x, y, w.w, w.h)
				}
			}
			if !slices.Equal(perPage, w.perPage) {
				t.Errorf("items a page %v, want %v", perPage, w.perPage)
			}
			// The paper is the one asked for, and the grid spans it from
			// margin to margin and from the heading to the footer.
			pw, ph := 210.0, 297.0
			if tc.size == printer.PosterA3 {
				pw, ph = 297, 420
			}
			if !near(plan.Width, pw) || !near(plan.Height, ph) {
				t.Errorf("page %.1f × %.1f mm, want %.0f × %.0f", plan.Width, plan.Height, pw, ph)
			}
			right := w.x0 + float64(w.cols)*w.w + float64(w.cols-1)*w.gap
			if !near(right, pw-w.x0) {
				t.Errorf("the grid ends %.2f mm from the right edge, starts %.2f from the left", pw-right, w.x0)
			}

			// What the PDF draws is what was planned: every word of a
			// tile is inside it.
			pdf, _, err := printer.PosterPDF(p)
			if err != nil {
				t.Fatal(err)
			}
			wordsInTiles(t, plan, printertest.PDFBoxes(t, "poster", pdf))
		})
	}
}

// An item out of stock stays on the poster, marked as such in its tile in
// the poster's language; an item in stock, or not counted, is not marked.
func TestPosterOutOfStock(t *testing.T) {
	stock := func(n int64) *int64 { return &n }
	for lang, mark := range map[string]string{
		printer.LangBG: "изчерпано",
		printer.LangRU: "нет в наличии",
		printer.LangEN: "out of stock",
	} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			items := rewardsN(5)
			items[1].Stock = stock(0)
			items[2].Stock = stock(3)
			items[3].Stock = stock(-1) // below none is none, as redeeming counts it
			p := posterOf(t, lang, printer.PosterA4, items)
			pdf, plan := drawnAndPlanned(t, p)
			first := strings.Fields(mark)[0]
			var marked []string
			for _, b := range printertest.PDFBoxes(t, "poster", pdf) {
				if b.Text != first {
					continue
				}
				for _, tl := range plan.Tiles {
					if b.Inside(tl.X, tl.Y, tl.W, tl.H, 0) {
						marked = append(marked, tl.Reward)
					}
				}
			}
			if want := []string{items[1].ID, items[3].ID}; !slices.Equal(marked, want) {
				t.Errorf("%q marks the tiles of %q, want %q", mark, marked, want)
			}
			if words := printertest.Text(t, "poster", pdf); strings.Count(words, mark) != 2 {
				t.Errorf("%q is printed %d times, want 2:\n%s", mark, strings.Count(words, mark), words)
			}
		})
	}
}
