//! TensorBoard event files: scalars (FSD, per-class drift) and images (sample
//! grids, segmentation overlays) written so that `tensorboard --logdir` shows
//! them while a GAN trains.
//!
//! An event file is a plain sequence of records. Each record is
//!
//! 1. the payload length in bytes, as a little-endian `u64`;
//! 2. the masked CRC-32C of those 8 length bytes, as a little-endian `u32`;
//! 3. the payload;
//! 4. the masked CRC-32C of the payload, as a little-endian `u32`.
//!
//! The CRC is the Castagnoli polynomial (CRC-32C). Masking rotates it right by
//! 15 bits and adds the constant `0xa282ead8` (wrapping), so that a CRC computed
//! over data that itself holds CRCs does not come out degenerate.
//!
//! Every payload is a protocol-buffer `Event` message: a wall-clock time in
//! seconds since the Unix epoch, a training step, and either a file-version
//! string (the first event of every file, `"brain.Event:2"`) or a `Summary`,
//! which is a list of tagged values. A value is either a scalar (stored as a
//! 32-bit float, as TensorBoard's scalar dashboard expects) or an image
//! (height, width, colour space and the encoded PNG bytes).
//!
//! The file is named `events.out.tfevents.<unix seconds>.<host>.<pid>.<n>`;
//! TensorBoard picks up any file in the log folder whose name contains
//! `tfevents`, and the process id and counter keep two writers apart.
//!
//! # Why this is written here
//!
//! The crates that write event files did not fit when this was written:
//! `tboard` 0.1 generates its protobuf code with `prost-build` in a build
//! script, which needs `protoc` installed; `tensorboard-rs` 0.5 depends on the
//! old `protobuf` 2 crate and on `image` 0.23 (a second copy beside our 0.25);
//! `tfrecord` 0.15 ships pre-generated code but pulls in `prost` 0.12,
//! `image` 0.24 and a large dependency tree for two message kinds. The format
//! needs four small messages, which `prost`'s derive macro encodes without any
//! build step, and the `crc32c` crate does the checksums.
//!
//! Event files are append-only streams that TensorBoard reads while they grow,
//! so they are written in place through a buffer rather than with
//! [`crate::io::write_atomic`]. A crash can leave a truncated last record,
//! which TensorBoard's reader skips.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use image::RgbImage;
use image::codecs::png::PngEncoder;
use prost::Message;

use crate::error::{Error, Result};

/// The version string of the first event of every file.
const FILE_VERSION: &str = "brain.Event:2";

/// The `colorspace` code TensorBoard uses for 8-bit RGB images.
const COLORSPACE_RGB: i32 = 3;

/// Added to the rotated CRC when masking it.
const CRC_MASK_DELTA: u32 = 0xa282_ead8;

/// Counts the writers this process has opened, to keep their file names apart.
static WRITERS_OPENED: AtomicU64 = AtomicU64::new(0);

/// Writes scalar and image summaries to one TensorBoard event file.
///
/// Writes go through a buffer: call [`EventWriter::flush`] when TensorBoard
/// should see them (after each evaluation, say). Dropping the writer flushes
/// it too; a failure then is logged as a warning, since `drop` cannot return
/// it.
#[derive(Debug)]
pub struct EventWriter {
    path: PathBuf,
    file: BufWriter<File>,
}

impl EventWriter {
    /// Creates `dir` if needed and starts a new event file in it, whose first
    /// record is the file-version event. The file name is unique to this
    /// process and call.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the folder or the file that could not be created
    /// or written.
    pub fn create(dir: &Path) -> Result<EventWriter> {
        crate::io::create_dir_all(dir)?;

        let path = dir.join(event_file_name());
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|source| Error::io(&path, source))?;
        let mut writer = EventWriter {
            path,
            file: BufWriter::new(file),
        };

        let version = Event {
            wall_time: unix_seconds(),
            step: 0,
            what: Some(EventKind::FileVersion(FILE_VERSION.to_string())),
        };
        writer.write_event(&version)?;
        writer.flush()?;
        log::debug!("writing TensorBoard events to {}", writer.path.display());
        Ok(writer)
    }

    /// The event file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one scalar under `tag` at `step`.
    ///
    /// TensorBoard stores scalars as 32-bit floats, so `value` is rounded to
    /// the nearest `f32`; NaN and infinities are written as they are.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the event file.
    pub fn add_scalar(&mut self, tag: &str, step: i64, value: f64) -> Result<()> {
        self.add_scalars(step, &[(tag, value)])
    }

    /// Writes several scalars, each `(tag, value)`, at `step` in one event.
    /// Values are rounded to `f32` as in [`EventWriter::add_scalar`].
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the event file.
    pub fn add_scalars(&mut self, step: i64, scalars: &[(&str, f64)]) -> Result<()> {
        let values = scalars
            .iter()
            .map(|&(tag, value)| SummaryValue {
                tag: tag.to_string(),
                kind: Some(ValueKind::SimpleValue(value as f32)),
            })
            .collect();
        self.write_summary(step, values)
    }

    /// Writes `image` under `tag` at `step`, encoded as PNG.
    ///
    /// # Errors
    ///
    /// [`Error::Image`] naming the event file if the image cannot be encoded
    /// (for instance, when it is empty), [`Error::Io`] naming the event file if
    /// it cannot be written.
    pub fn add_image(&mut self, tag: &str, step: i64, image: &RgbImage) -> Result<()> {
        let mut png = Vec::new();
        image
            .write_with_encoder(PngEncoder::new(&mut png))
            .map_err(|source| Error::Image {
                path: self.path.clone(),
                source,
            })?;

        let summary_image = SummaryImage {
            height: self.dimension(image.height())?,
            width: self.dimension(image.width())?,
            colorspace: COLORSPACE_RGB,
            encoded_image_string: png,
        };
        let value = SummaryValue {
            tag: tag.to_string(),
            kind: Some(ValueKind::Image(summary_image)),
        };
        self.write_summary(step, vec![value])
    }

    /// Hands everything written so far to the operating system, where
    /// TensorBoard can read it.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the event file.
    pub fn flush(&mut self) -> Result<()> {
        self.file
            .flush()
            .map_err(|source| Error::io(&self.path, source))
    }

    fn write_summary(&mut self, step: i64, values: Vec<SummaryValue>) -> Result<()> {
        let event = Event {
            wall_time: unix_seconds(),
            step,
            what: Some(EventKind::Summary(Summary { value: values })),
        };
        self.write_event(&event)
    }

    fn write_event(&mut self, event: &Event) -> Result<()> {
        let record = frame_record(&event.encode_to_vec());
        self.file
            .write_all(&record)
            .map_err(|source| Error::io(&self.path, source))
    }

    /// An image side length as the protobuf's `int32`.
    fn dimension(&self, pixels: u32) -> Result<i32> {
        i32::try_from(pixels).map_err(|_| {
            Error::invalid_file(
                &self.path,
                format!("image side of {pixels} pixels does not fit an int32"),
            )
        })
    }
}

impl Drop for EventWriter {
    fn drop(&mut self) {
        if let Err(error) = self.flush() {
            log::warn!("TensorBoard events may be incomplete: {error}");
        }
    }
}

/// Wraps `payload` in the record framing described in the module docs.
fn frame_record(payload: &[u8]) -> Vec<u8> {
    let length = (payload.len() as u64).to_le_bytes();
    let mut record = Vec::with_capacity(payload.len() + 16);
    record.extend_from_slice(&length);
    record.extend_from_slice(&masked_crc32c(&length).to_le_bytes());
    record.extend_from_slice(payload);
    record.extend_from_slice(&masked_crc32c(payload).to_le_bytes());
    record
}

/// The CRC-32C of `bytes`, rotated right by 15 bits plus [`CRC_MASK_DELTA`].
fn masked_crc32c(bytes: &[u8]) -> u32 {
    crc32c::crc32c(bytes)
        .rotate_right(15)
        .wrapping_add(CRC_MASK_DELTA)
}

/// `events.out.tfevents.<unix seconds>.<host>.<pid>.<n>`.
fn event_file_name() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let writer_index = WRITERS_OPENED.fetch_add(1, Ordering::Relaxed);
    format!(
        "events.out.tfevents.{seconds}.{}.{}.{writer_index}",
        host_name(),
        std::process::id()
    )
}

/// The machine's host name where the OS tells it (Linux), restricted to
/// characters safe in a file name; `"modedrop"` otherwise.
fn host_name() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let name: String = name
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    if name.is_empty() {
        "modedrop".to_string()
    } else {
        name
    }
}

/// Seconds since the Unix epoch, with sub-second precision.
fn unix_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |elapsed| elapsed.as_secs_f64())
}

// The messages below mirror the fields modedrop uses of TensorFlow's
// `tensorflow.Event` (event.proto) and `tensorflow.Summary` (summary.proto);
// the tag numbers are those of the public definitions.

/// `tensorflow.Event`.
#[derive(Clone, PartialEq, Message)]
struct Event {
    #[prost(double, tag = "1")]
    wall_time: f64,
    #[prost(int64, tag = "2")]
    step: i64,
    #[prost(oneof = "EventKind", tags = "3, 5")]
    what: Option<EventKind>,
}

/// The `what` one-of of `tensorflow.Event`.
#[derive(Clone, PartialEq, prost::Oneof)]
enum EventKind {
    #[prost(string, tag = "3")]
    FileVersion(String),
    #[prost(message, tag = "5")]
    Summary(Summary),
}

/// `tensorflow.Summary`.
#[derive(Clone, PartialEq, Message)]
struct Summary {
    #[prost(message, repeated, tag = "1")]
    value: Vec<SummaryValue>,
}

/// `tensorflow.Summary.Value`.
#[derive(Clone, PartialEq, Message)]
struct SummaryValue {
    #[prost(string, tag = "1")]
    tag: String,
    #[prost(oneof = "ValueKind", tags = "2, 4")]
    kind: Option<ValueKind>,
}

/// The `value` one-of of `tensorflow.Summary.Value`.
#[derive(Clone, PartialEq, prost::Oneof)]
enum ValueKind {
    #[prost(float, tag = "2")]
    SimpleValue(f32),
    #[prost(message, tag = "4")]
    Image(SummaryImage),
}

/// `tensorflow.Summary.Image`.
#[derive(Clone, PartialEq, Message)]
struct SummaryImage {
    #[prost(int32, tag = "1")]
    height: i32,
    #[prost(int32, tag = "2")]
    width: i32,
    #[prost(int32, tag = "3")]
    colorspace: i32,
    #[prost(bytes = "vec", tag = "4")]
    encoded_image_string: Vec<u8>,
}

#[cfg(test)]
mod tests {
    //! The file is read back with a decoder written here from the format's
    //! description: its own record parser, a bit-by-bit CRC-32C and a minimal
    //! protobuf wire reader, so that it shares no code with the writer.

    use super::*;

    /// CRC-32C one bit at a time (reflected Castagnoli polynomial 0x82f63b78).
    fn bitwise_crc32c(bytes: &[u8]) -> u32 {
        let mut crc = u32::MAX;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                let low_bit_set = crc & 1 == 1;
                crc >>= 1;
                if low_bit_set {
                    crc ^= 0x82f6_3b78;
                }
            }
        }
        !crc
    }

    // Spelled with shifts, as the format describes it, rather than with the
    // writer's `rotate_right`.
    #[allow(clippy::manual_rotate)]
    fn bitwise_masked_crc32c(bytes: &[u8]) -> u32 {
        let crc = bitwise_crc32c(bytes);
        ((crc >> 15) | (crc << 17)).wrapping_add(0xa282_ead8)
    }

    fn read_u32_le(bytes: &[u8]) -> u32 {
        u32::from_le_bytes(bytes.try_into().unwrap())
    }

    /// Splits a file into record payloads, checking both CRCs of each record.
    fn parse_records(mut bytes: &[u8]) -> Vec<Vec<u8>> {
        let mut payloads = Vec::new();
        while !bytes.is_empty() {
            assert!(bytes.len() >= 12, "truncated record header");
            let length_bytes = &bytes[..8];
            let length = u64::from_le_bytes(length_bytes.try_into().unwrap()) as usize;
            assert_eq!(
                read_u32_le(&bytes[8..12]),
                bitwise_masked_crc32c(length_bytes)
            );
            assert!(bytes.len() >= 16 + length, "truncated record payload");
            let payload = &bytes[12..12 + length];
            let payload_crc = read_u32_le(&bytes[12 + length..16 + length]);
            assert_eq!(payload_crc, bitwise_masked_crc32c(payload));
            payloads.push(payload.to_vec());
            bytes = &bytes[16 + length..];
        }
        payloads
    }

    #[derive(Debug)]
    enum Wire<'a> {
        Varint(u64),
        Fixed64(u64),
        Fixed32(u32),
        Bytes(&'a [u8]),
    }

    fn read_varint(bytes: &mut &[u8]) -> u64 {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = bytes[0];
            *bytes = &bytes[1..];
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return value;
            }
        }
        panic!("varint longer than 10 bytes");
    }

    /// The `(field number, value)` pairs of one protobuf message.
    fn fields(mut bytes: &[u8]) -> Vec<(u64, Wire<'_>)> {
        let mut fields = Vec::new();
        while !bytes.is_empty() {
            let key = read_varint(&mut bytes);
            let value = match key & 7 {
                0 => Wire::Varint(read_varint(&mut bytes)),
                1 => {
                    let (head, rest) = bytes.split_at(8);
                    bytes = rest;
                    Wire::Fixed64(u64::from_le_bytes(head.try_into().unwrap()))
                }
                2 => {
                    let length = read_varint(&mut bytes) as usize;
                    let (head, rest) = bytes.split_at(length);
                    bytes = rest;
                    Wire::Bytes(head)
                }
                5 => {
                    let (head, rest) = bytes.split_at(4);
                    bytes = rest;
                    Wire::Fixed32(read_u32_le(head))
                }
                wire_type => panic!("unexpected wire type {wire_type}"),
            };
            fields.push((key >> 3, value));
        }
        fields
    }

    #[derive(Debug, Default)]
    struct DecodedEvent {
        wall_time: f64,
        step: i64,
        file_version: Option<String>,
        values: Vec<DecodedValue>,
    }

    #[derive(Debug, Default)]
    struct DecodedValue {
        tag: String,
        simple_value: Option<f32>,
        image: Option<DecodedImage>,
    }

    #[derive(Debug, Default)]
    struct DecodedImage {
        height: i32,
        width: i32,
        colorspace: i32,
        png: Vec<u8>,
    }

    fn decode_event(payload: &[u8]) -> DecodedEvent {
        let mut event = DecodedEvent::default();
        for (number, value) in fields(payload) {
            match (number, value) {
                (1, Wire::Fixed64(bits)) => event.wall_time = f64::from_bits(bits),
                (2, Wire::Varint(step)) => event.step = step as i64,
                (3, Wire::Bytes(text)) => {
                    event.file_version = Some(String::from_utf8(text.to_vec()).unwrap())
                }
                (5, Wire::Bytes(summary)) => event.values = decode_summary(summary),
                other => panic!("unexpected Event field {other:?}"),
            }
        }
        event
    }

    fn decode_summary(bytes: &[u8]) -> Vec<DecodedValue> {
        let mut values = Vec::new();
        for (number, value) in fields(bytes) {
            let (1, Wire::Bytes(value)) = (number, value) else {
                panic!("unexpected Summary field {number}");
            };
            values.push(decode_value(value));
        }
        values
    }

    fn decode_value(bytes: &[u8]) -> DecodedValue {
        let mut value = DecodedValue::default();
        for field in fields(bytes) {
            match field {
                (1, Wire::Bytes(tag)) => value.tag = String::from_utf8(tag.to_vec()).unwrap(),
                (2, Wire::Fixed32(bits)) => value.simple_value = Some(f32::from_bits(bits)),
                (4, Wire::Bytes(image)) => value.image = Some(decode_image(image)),
                other => panic!("unexpected Summary.Value field {other:?}"),
            }
        }
        value
    }

    fn decode_image(bytes: &[u8]) -> DecodedImage {
        let mut image = DecodedImage::default();
        for field in fields(bytes) {
            match field {
                (1, Wire::Varint(height)) => image.height = height as i32,
                (2, Wire::Varint(width)) => image.width = width as i32,
                (3, Wire::Varint(colorspace)) => image.colorspace = colorspace as i32,
                (4, Wire::Bytes(png)) => image.png = png.to_vec(),
                other => panic!("unexpected Summary.Image field {other:?}"),
            }
        }
        image
    }

    fn read_events(path: &Path) -> Vec<DecodedEvent> {
        let bytes = std::fs::read(path).unwrap();
        parse_records(&bytes)
            .iter()
            .map(|p| decode_event(p))
            .collect()
    }

    /// A 3 × 2 image whose every pixel differs, so a transposed or shifted
    /// decode would not match.
    fn test_image() -> RgbImage {
        RgbImage::from_fn(3, 2, |x, y| image::Rgb([x as u8 * 80, y as u8 * 200, 7]))
    }

    #[test]
    fn crc32c_and_its_mask_match_the_check_vector() {
        // 0xe3069283 is CRC-32C's standard check value for "123456789"; the
        // masked value was computed with TensorBoard's Python `masked_crc32c`.
        assert_eq!(bitwise_crc32c(b"123456789"), 0xe306_9283);
        assert_eq!(crc32c::crc32c(b"123456789"), 0xe306_9283);
        assert_eq!(bitwise_masked_crc32c(b"123456789"), 0xc78a_b0e5);
        assert_eq!(masked_crc32c(b"123456789"), 0xc78a_b0e5);
    }

    #[test]
    fn written_file_reads_back_with_an_independent_decoder() {
        let dir = tempfile::tempdir().unwrap();
        let before = unix_seconds();
        let mut writer = EventWriter::create(&dir.path().join("run")).unwrap();
        let path = writer.path().to_path_buf();
        writer.add_scalar("fsd", 7, 0.25).unwrap();
        writer
            .add_scalars(
                1_000_000_000_000,
                &[("drift/person", -1.5), ("drift/tree", 0.1)],
            )
            .unwrap();
        writer.add_image("samples", 9, &test_image()).unwrap();
        // Not flushed: dropping the writer must flush it.
        drop(writer);
        let after = unix_seconds();

        let events = read_events(&path);
        assert_eq!(events.len(), 4);
        assert_eq!(events[0].file_version.as_deref(), Some("brain.Event:2"));
        assert!(events[0].values.is_empty());
        for event in &events {
            assert!(
                before <= event.wall_time && event.wall_time <= after,
                "{event:?}"
            );
        }

        assert_eq!(events[1].step, 7);
        assert_eq!(events[1].values.len(), 1);
        assert_eq!(events[1].values[0].tag, "fsd");
        assert_eq!(events[1].values[0].simple_value, Some(0.25));

        assert_eq!(events[2].step, 1_000_000_000_000);
        let tags: Vec<_> = events[2].values.iter().map(|v| v.tag.as_str()).collect();
        assert_eq!(tags, ["drift/person", "drift/tree"]);
        assert_eq!(events[2].values[0].simple_value, Some(-1.5));
        assert_eq!(events[2].values[1].simple_value, Some(0.1f32));
    }

    #[test]
    fn image_summary_holds_a_png_of_the_same_pixels() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = EventWriter::create(dir.path()).unwrap();
        let image = test_image();
        writer.add_image("samples/grid", 3, &image).unwrap();
        writer.flush().unwrap();

        let events = read_events(writer.path());
        assert_eq!(events.len(), 2);
        assert_eq!(events[1].step, 3);
        let value = &events[1].values[0];
        assert_eq!(value.tag, "samples/grid");
        assert_eq!(value.simple_value, None);
        let summary_image = value.image.as_ref().unwrap();
        assert_eq!((summary_image.height, summary_image.width), (2, 3));
        assert_eq!(summary_image.colorspace, 3);
        let decoded =
            image::load_from_memory_with_format(&summary_image.png, image::ImageFormat::Png)
                .unwrap();
        assert_eq!(decoded.to_rgb8(), image);
    }

    #[test]
    fn two_writers_in_one_folder_use_distinct_tfevents_files() {
        let dir = tempfile::tempdir().unwrap();
        let first = EventWriter::create(dir.path()).unwrap();
        let second = EventWriter::create(dir.path()).unwrap();
        assert_ne!(first.path(), second.path());
        for writer in [&first, &second] {
            let name = writer.path().file_name().unwrap().to_str().unwrap();
            assert!(name.starts_with("events.out.tfevents."), "{name}");
            assert_eq!(writer.path().parent(), Some(dir.path()));
        }
    }

    #[test]
    fn folder_that_cannot_be_created_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("not-a-folder");
        std::fs::write(&blocker, b"x").unwrap();
        let error = EventWriter::create(&blocker.join("run")).unwrap_err();
        assert!(matches!(error, Error::Io { .. }), "{error:?}");
        assert!(error.to_string().contains("not-a-folder"), "{error}");
    }

    #[test]
    fn empty_image_is_an_error_naming_the_event_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = EventWriter::create(dir.path()).unwrap();
        let error = writer
            .add_image("empty", 0, &RgbImage::new(0, 0))
            .unwrap_err();
        assert!(matches!(error, Error::Image { .. }), "{error:?}");
        let name = writer.path().file_name().unwrap().to_str().unwrap();
        assert!(error.to_string().contains(name), "{error}");
    }
}
