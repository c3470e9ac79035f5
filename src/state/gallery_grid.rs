//! The gallery's virtual grid as arithmetic: how many columns a width holds, how tall the whole
//! grid is, which places a scroll position draws, and where each cell sits. Only the drawn
//! cells exist in the page, so thousands of images cost what one screenful does.

use std::ops::Range;

/// A cell's side, in CSS pixels.
const CELL: f64 = 180.0;
/// The gap between cells, in CSS pixels.
const GAP: f64 = 12.0;
/// Rows drawn beyond the screen on each side, so a fast scroll shows no blank.
const OVERSCAN_ROWS: usize = 2;

/// A grid as wide as its scroller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    /// Cells a row holds: at least one, however narrow the window.
    pub columns: usize,
}

impl Grid {
    /// The grid of a scroller `width` pixels wide.
    pub fn for_width(width: f64) -> Grid {
        Grid { columns: (((width + GAP) / (CELL + GAP)).floor() as usize).max(1) }
    }

    /// The height of the grid of `count` images, in pixels, so the scroller's bar is true.
    pub fn height(self, count: usize) -> f64 {
        count.div_ceil(self.columns) as f64 * (CELL + GAP)
    }

    /// The places (in the order shown) drawn when the scroller, `viewport_height` pixels tall,
    /// is scrolled `scroll_top` pixels down a grid of `count` images.
    pub fn drawn(self, scroll_top: f64, viewport_height: f64, count: usize) -> Range<usize> {
        let first_row = ((scroll_top.max(0.0) / (CELL + GAP)).floor() as usize).saturating_sub(OVERSCAN_ROWS);
        let rows = (viewport_height.max(0.0) / (CELL + GAP)).ceil() as usize + 2 * OVERSCAN_ROWS + 1;
        let start = (first_row * self.columns).min(count);
        start..((first_row + rows) * self.columns).min(count)
    }

    /// Where the cell at `place` sits: its top and left, in pixels.
    pub fn position(self, place: usize) -> (f64, f64) {
        let (row, column) = (place / self.columns, place % self.columns);
        (row as f64 * (CELL + GAP), column as f64 * (CELL + GAP))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_holds_what_fits_and_never_less_than_one() {
        assert_eq!(Grid::for_width(960.0).columns, 5, "5 × 180 + 4 × 12 = 948");
        assert_eq!(Grid::for_width(947.0).columns, 4);
        assert_eq!(Grid::for_width(180.0).columns, 1);
        assert_eq!(Grid::for_width(0.0).columns, 1);
    }

    #[test]
    fn the_grid_is_as_tall_as_its_rows() {
        let grid = Grid { columns: 5 };
        assert_eq!(grid.height(0), 0.0);
        assert_eq!(grid.height(5), 192.0);
        assert_eq!(grid.height(6), 384.0);
    }

    #[test]
    fn only_the_rows_on_screen_and_two_either_side_are_drawn() {
        let grid = Grid { columns: 5 };
        // 720 pixels show 3.75 rows: 4, and 2 either side, and one more for a row cut at the top.
        assert_eq!(grid.drawn(0.0, 720.0, 20_000), 0..45);
        let far = 1000.0 * 192.0;
        assert_eq!(grid.drawn(far, 720.0, 20_000), 998 * 5..(998 + 9) * 5);
        assert_eq!(grid.drawn(far, 720.0, 3), 3..3, "a scroll past a grid that shrank draws nothing");
        assert_eq!(grid.drawn(0.0, 720.0, 7), 0..7);
    }

    #[test]
    fn a_cell_sits_at_its_row_and_column() {
        let grid = Grid { columns: 4 };
        assert_eq!(grid.position(0), (0.0, 0.0));
        assert_eq!(grid.position(5), (192.0, 192.0));
    }
}
