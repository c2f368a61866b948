//! The comparison figure: mean area per class, real against generated, and
//! the relative change per class.

use std::path::Path;
use std::sync::Once;

use image::RgbImage;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::{Error, Result};
use crate::stats::compare::{Comparison, Verdict};

/// DejaVu Sans, embedded so figures render the same on machines without
/// system fonts (licence: assets/fonts/DejaVuSans-LICENSE.txt).
const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Width and height of the comparison figure, in pixels.
pub const FIGURE_SIZE: (u32, u32) = (1200, 800);

/// Smallest area drawn on the logarithmic axis, in percent; smaller means
/// (including zero) are drawn at this floor.
const AREA_FLOOR_PERCENT: f64 = 1e-3;

const REAL_COLOUR: RGBColor = RGBColor(70, 110, 180);
const GENERATED_COLOUR: RGBColor = RGBColor(230, 120, 20);
const DROPPED_COLOUR: RGBColor = RGBColor(200, 40, 40);
const OVER_COLOUR: RGBColor = RGBColor(40, 150, 60);
const NEUTRAL_COLOUR: RGBColor = RGBColor(150, 150, 150);

fn register_font() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // The embedded font is a valid TrueType file; a failure here would be
        // a packaging error caught by the figure test.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// Draws the comparison like Figure 2 of the method's paper: the top panel
/// shows, for the `max_classes` most frequent real classes, the mean area
/// per class on a log scale (real as bars, generated as a line); the bottom
/// panel shows the relative change (generated − real) / real, coloured by
/// verdict, with the split-half noise of the real data as a grey band.
///
/// # Errors
///
/// [`Error::Unsupported`] if plotting fails (it does not, for finite data).
pub fn render_comparison(comparison: &Comparison, max_classes: usize) -> Result<RgbImage> {
    register_font();
    let (width, height) = FIGURE_SIZE;
    let mut buffer = vec![255u8; (width * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buffer, (width, height)).into_drawing_area();
        draw(&root, comparison, max_classes).map_err(|error| {
            Error::Unsupported(format!("drawing the comparison figure failed: {error}"))
        })?;
        root.present()
            .map_err(|error| Error::Unsupported(format!("rendering the figure: {error}")))?;
    }
    Ok(RgbImage::from_raw(width, height, buffer).expect("the buffer matches the figure size"))
}

/// Renders the comparison figure and writes it as a PNG, atomically.
///
/// # Errors
///
/// [`Error::Image`] when the PNG cannot be encoded, [`Error::Io`] when it
/// cannot be written.
pub fn save_comparison_png(comparison: &Comparison, max_classes: usize, path: &Path) -> Result<()> {
    let image = render_comparison(comparison, max_classes)?;
    crate::io::write_png(path, &image.into())
}

type DrawResult<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn draw(
    root: &DrawingArea<BitMapBackend<'_>, Shift>,
    comparison: &Comparison,
    max_classes: usize,
) -> DrawResult<()> {
    root.fill(&WHITE)?;
    let title = format!(
        "FSD {:.1} (mean {:.1}, covariance {:.1})   noise floor {:.1}   {} real / {} generated images",
        comparison.fsd.total,
        comparison.fsd.mean_term,
        comparison.fsd.covariance_term,
        comparison.noise_floor.total,
        comparison.real_images,
        comparison.generated_images
    );
    let root = root.titled(&title, ("sans-serif", 22))?;
    let (top, bottom) = root.split_vertically((root.dim_in_pixel().1 as f64 * 0.55) as u32);
    let classes: Vec<_> = comparison.classes.iter().take(max_classes.max(1)).collect();

    draw_areas(&top, &classes)?;
    draw_changes(&bottom, &classes)?;
    Ok(())
}

type Classes<'a> = [&'a crate::stats::compare::ClassComparison];

fn draw_areas(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    classes: &Classes<'_>,
) -> DrawResult<()> {
    let count = classes.len() as f64;
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .x_label_area_size(0)
        .y_label_area_size(70)
        .caption(
            "mean area per class (percent of image, log scale)",
            ("sans-serif", 18),
        )
        .build_cartesian_2d(-0.5..count - 0.5, (AREA_FLOOR_PERCENT..100.0).log_scale())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        // The panel below names the classes.
        .x_labels(0)
        .y_desc("area %")
        .draw()?;

    let floor = |value: f64| value.max(AREA_FLOOR_PERCENT);
    chart
        .draw_series(classes.iter().enumerate().map(|(i, class)| {
            let x = i as f64;
            Rectangle::new(
                [
                    (x - 0.35, AREA_FLOOR_PERCENT),
                    (x + 0.35, floor(class.real_mean_area_percent)),
                ],
                REAL_COLOUR.filled(),
            )
        }))?
        .label("real")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], REAL_COLOUR.filled()));
    let generated: Vec<(f64, f64)> = classes
        .iter()
        .enumerate()
        .map(|(i, class)| (i as f64, floor(class.generated_mean_area_percent)))
        .collect();
    chart
        .draw_series(LineSeries::new(
            generated.clone(),
            GENERATED_COLOUR.stroke_width(3),
        ))?
        .label("generated")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], GENERATED_COLOUR.stroke_width(3)));
    chart.draw_series(
        generated
            .iter()
            .map(|&point| Circle::new(point, 4, GENERATED_COLOUR.filled())),
    )?;
    // Upper right: the rarest classes, drawn last, have the shortest bars.
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", 16))
        .draw()?;
    Ok(())
}

fn draw_changes(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    classes: &Classes<'_>,
) -> DrawResult<()> {
    let count = classes.len() as f64;
    let largest = classes
        .iter()
        .filter_map(|class| class.relative_delta)
        .fold(1.0f64, |largest, delta| largest.max(delta));
    let top = largest.min(5.0) * 1.1;
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .x_label_area_size(110)
        .y_label_area_size(70)
        .caption(
            "relative change (generated - real) / real; grey: split-half noise of the real data",
            ("sans-serif", 18),
        )
        .build_cartesian_2d(-0.5..count - 0.5, -1.1..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(classes.len())
        .x_label_formatter(&|_| String::new())
        .y_desc("change")
        .y_label_formatter(&|y| percent_change(*y))
        .draw()?;

    chart.draw_series(classes.iter().enumerate().filter_map(|(i, class)| {
        let noise = class.noise_relative_delta?.abs().min(top);
        let x = i as f64;
        Some(Rectangle::new(
            [(x - 0.45, -noise), (x + 0.45, noise)],
            NEUTRAL_COLOUR.mix(0.3).filled(),
        ))
    }))?;
    chart.draw_series(classes.iter().enumerate().filter_map(|(i, class)| {
        let delta = class.relative_delta?.clamp(-1.0, top);
        let colour = match class.verdict {
            Verdict::Dropped => DROPPED_COLOUR,
            Verdict::OverGenerated => OVER_COLOUR,
            Verdict::Consistent => NEUTRAL_COLOUR,
        };
        let x = i as f64;
        Some(Rectangle::new(
            [(x - 0.3, 0.0), (x + 0.3, delta)],
            colour.filled(),
        ))
    }))?;
    // A bar cut off at the top of the axis carries its value.
    let clipped_label = TextStyle::from(("sans-serif", 14)).pos(Pos::new(HPos::Center, VPos::Top));
    chart.draw_series(classes.iter().enumerate().filter_map(|(i, class)| {
        let delta = class.relative_delta.filter(|&delta| delta > top)?;
        Some(Text::new(
            percent_change(delta),
            (i as f64, top),
            clipped_label.clone(),
        ))
    }))?;
    chart.draw_series(LineSeries::new([(-0.5, 0.0), (count - 0.5, 0.0)], BLACK))?;
    draw_class_names(area, &chart, classes)
}

/// Formats a relative change as a signed percentage, with zero unsigned
/// (the axis tick at zero lands a rounding error away from it).
fn percent_change(change: f64) -> String {
    let percent = (100.0 * change).round();
    if percent == 0.0 {
        "0%".to_string()
    } else {
        format!("{percent:+.0}%")
    }
}

/// Writes each class name downwards from just below its tick on the x axis.
///
/// The mesh's own labels are not used: plotters centres a rotated label on
/// its anchor, so long names would straddle the axis.
fn draw_class_names(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    chart: &ChartContext<'_, BitMapBackend<'_>, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    classes: &Classes<'_>,
) -> DrawResult<()> {
    let style = TextStyle::from(
        ("sans-serif", 14)
            .into_font()
            .transform(FontTransform::Rotate90),
    )
    .pos(Pos::new(HPos::Left, VPos::Center));
    let (base_x, base_y) = area.get_base_pixel();
    let bottom = chart.plotting_area().get_pixel_range().1.end;
    for (i, class) in classes.iter().enumerate() {
        let (x, _) = chart.backend_coord(&(i as f64, 0.0));
        let anchor = (x - base_x, bottom - base_y + 8);
        area.draw(&Text::new(class.name.clone(), anchor, style.clone()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_change_labels_zero_without_a_sign() {
        assert_eq!(percent_change(-1e-17), "0%");
        assert_eq!(percent_change(0.0), "0%");
        assert_eq!(percent_change(0.2), "+20%");
        assert_eq!(percent_change(-1.0), "-100%");
    }
}
