//! A segment: a run of consecutive log positions as one Parquet file, one row per event, one
//! column per Event history attribute plus the CloudTrail record, compressed with zstd. Readable by
//! any Parquet reader (DuckDB, Spark, pandas); `resources` is a JSON array of `[type, name]`
//! pairs so the file has no nested columns.

use std::sync::Arc;

use bytes::Bytes;
use parquet::basic::{Compression, ZstdLevel};
use parquet::column::reader::get_typed_column_reader;
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use trailroom_store::EventRow;

use crate::ArchiveError;

/// The segment schema, in column order.
const SCHEMA: &str = "message cloudtrail_event {
    REQUIRED INT64 position;
    REQUIRED BYTE_ARRAY event_id (UTF8);
    REQUIRED BYTE_ARRAY account_id (UTF8);
    REQUIRED BYTE_ARRAY region (UTF8);
    REQUIRED INT64 event_time_ms;
    REQUIRED BYTE_ARRAY event_name (UTF8);
    REQUIRED BYTE_ARRAY event_source (UTF8);
    OPTIONAL BYTE_ARRAY username (UTF8);
    OPTIONAL BYTE_ARRAY access_key_id (UTF8);
    REQUIRED BOOLEAN read_only;
    REQUIRED BYTE_ARRAY category (UTF8);
    REQUIRED BYTE_ARRAY resources (UTF8);
    REQUIRED BYTE_ARRAY record (UTF8);
}";

/// Rows per row group: a reader can skip row groups by their statistics.
const ROW_GROUP_ROWS: usize = 8_192;

/// `created_by` in every segment: fixed, so the same events always make the same bytes.
const CREATED_BY: &str = "trailroom archive";

fn parquet_error(err: parquet::errors::ParquetError) -> ArchiveError {
    ArchiveError::Segment(err.to_string())
}

/// The Parquet bytes of `rows` (in position order).
pub fn encode(rows: &[EventRow]) -> Result<Vec<u8>, ArchiveError> {
    let schema = Arc::new(parse_message_type(SCHEMA).map_err(parquet_error)?);
    let properties = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_created_by(CREATED_BY.to_owned())
        .build();
    let mut writer = SerializedFileWriter::new(Vec::new(), schema, Arc::new(properties))
        .map_err(parquet_error)?;
    for group in rows.chunks(ROW_GROUP_ROWS) {
        let mut row_group = writer.next_row_group().map_err(parquet_error)?;
        let mut index = 0;
        while let Some(mut column) = row_group.next_column().map_err(parquet_error)? {
            write_column(&mut column, index, group)?;
            column.close().map_err(parquet_error)?;
            index += 1;
        }
        row_group.close().map_err(parquet_error)?;
    }
    writer.into_inner().map_err(parquet_error)
}

/// Writes column `index` of [`SCHEMA`] for `rows`.
fn write_column(
    column: &mut parquet::file::writer::SerializedColumnWriter<'_>,
    index: usize,
    rows: &[EventRow],
) -> Result<(), ArchiveError> {
    let text = |f: fn(&EventRow) -> &str| -> Vec<ByteArray> {
        rows.iter().map(|r| ByteArray::from(f(r))).collect()
    };
    let long = |f: fn(&EventRow) -> i64| -> Vec<i64> { rows.iter().map(f).collect() };
    let optional = |f: fn(&EventRow) -> Option<&str>| -> (Vec<ByteArray>, Vec<i16>) {
        let values = rows.iter().filter_map(f).map(ByteArray::from).collect();
        let levels = rows.iter().map(|r| i16::from(f(r).is_some())).collect();
        (values, levels)
    };
    let strings = |column: &mut parquet::file::writer::SerializedColumnWriter<'_>,
                   values: Vec<ByteArray>,
                   levels: Option<&[i16]>| {
        column
            .typed::<ByteArrayType>()
            .write_batch(&values, levels, None)
            .map(drop)
    };
    let longs = |column: &mut parquet::file::writer::SerializedColumnWriter<'_>,
                 values: Vec<i64>| {
        column
            .typed::<Int64Type>()
            .write_batch(&values, None, None)
            .map(drop)
    };
    let written = match index {
        0 => longs(column, long(|r| r.seq)),
        1 => strings(column, text(|r| &r.event_id), None),
        2 => strings(column, text(|r| &r.account_id), None),
        3 => strings(column, text(|r| &r.region), None),
        4 => longs(column, long(|r| r.event_time_ms)),
        5 => strings(column, text(|r| &r.event_name), None),
        6 => strings(column, text(|r| &r.event_source), None),
        7 => {
            let (values, levels) = optional(|r| r.username.as_deref());
            strings(column, values, Some(&levels))
        }
        8 => {
            let (values, levels) = optional(|r| r.access_key_id.as_deref());
            strings(column, values, Some(&levels))
        }
        9 => {
            let values: Vec<bool> = rows.iter().map(|r| r.read_only).collect();
            column
                .typed::<BoolType>()
                .write_batch(&values, None, None)
                .map(drop)
        }
        10 => strings(column, text(|r| &r.category), None),
        11 => {
            let values = rows
                .iter()
                .map(|r| ByteArray::from(resources_json(&r.resources).as_str()))
                .collect();
            strings(column, values, None)
        }
        12 => strings(column, text(|r| &r.record_json), None),
        other => return Err(ArchiveError::Segment(format!("no column {other}"))),
    };
    written.map_err(parquet_error)
}

fn resources_json(resources: &[(String, String)]) -> String {
    serde_json::to_string(resources).unwrap_or_else(|_| "[]".to_owned())
}

/// The events of a segment's bytes, in position order (read column by column, row group by row
/// group).
pub fn decode(bytes: Bytes) -> Result<Vec<EventRow>, ArchiveError> {
    let reader = SerializedFileReader::new(bytes).map_err(parquet_error)?;
    let expected = parse_message_type(SCHEMA).map_err(parquet_error)?;
    // The typed column readers below rely on the columns being ours.
    if reader.metadata().file_metadata().schema() != &expected {
        return Err(ArchiveError::Segment(
            "the file is not an event segment (its schema differs)".into(),
        ));
    }
    let mut events =
        Vec::with_capacity(reader.metadata().file_metadata().num_rows().max(0) as usize);
    for index in 0..reader.num_row_groups() {
        let group = reader.get_row_group(index).map_err(parquet_error)?;
        let rows = usize::try_from(group.metadata().num_rows()).unwrap_or(0);
        events.extend(row_group_events(group.as_ref(), rows)?);
    }
    Ok(events)
}

/// The `rows` events of one row group.
fn row_group_events(
    group: &dyn parquet::file::reader::RowGroupReader,
    rows: usize,
) -> Result<Vec<EventRow>, ArchiveError> {
    let longs = |i| column::<Int64Type>(group, i, rows, false).map(|(v, _)| v);
    let texts = |i| strings(group, i, rows);
    let optionals = |i| optional_strings(group, i, rows);
    let (seq, time) = (longs(0)?, longs(4)?);
    let (read_only, _) = column::<BoolType>(group, 9, rows, false)?;
    let (mut event_id, mut account_id, mut region) = (texts(1)?, texts(2)?, texts(3)?);
    let (mut name, mut source, mut category) = (texts(5)?, texts(6)?, texts(10)?);
    let (mut username, mut access_key_id) = (optionals(7)?, optionals(8)?);
    let (resources, mut record) = (texts(11)?, texts(12)?);
    let lengths = [
        seq.len(),
        time.len(),
        read_only.len(),
        event_id.len(),
        account_id.len(),
        region.len(),
        name.len(),
        source.len(),
        category.len(),
        username.len(),
        access_key_id.len(),
        resources.len(),
        record.len(),
    ];
    if lengths.iter().any(|&n| n != rows) {
        return Err(ArchiveError::Segment(
            "a row group's columns have different lengths".into(),
        ));
    }
    let take = std::mem::take::<String>;
    (0..rows)
        .map(|i| {
            Ok(EventRow {
                seq: seq[i],
                event_id: take(&mut event_id[i]),
                account_id: take(&mut account_id[i]),
                region: take(&mut region[i]),
                event_time_ms: time[i],
                event_name: take(&mut name[i]),
                event_source: take(&mut source[i]),
                username: username[i].take(),
                access_key_id: access_key_id[i].take(),
                read_only: read_only[i],
                category: take(&mut category[i]),
                resources: serde_json::from_str(&resources[i])
                    .map_err(|e| ArchiveError::Segment(format!("resources: {e}")))?,
                record_json: take(&mut record[i]),
            })
        })
        .collect()
}

/// Column `index` of a row group: its values and (for an optional column) definition levels.
fn column<T: parquet::data_type::DataType>(
    group: &dyn parquet::file::reader::RowGroupReader,
    index: usize,
    rows: usize,
    optional: bool,
) -> Result<(Vec<T::T>, Vec<i16>), ArchiveError> {
    let reader = group.get_column_reader(index).map_err(parquet_error)?;
    let mut typed = get_typed_column_reader::<T>(reader);
    let mut values = Vec::with_capacity(rows);
    let mut levels = Vec::with_capacity(if optional { rows } else { 0 });
    typed
        .read_records(rows, optional.then_some(&mut levels), None, &mut values)
        .map_err(parquet_error)?;
    Ok((values, levels))
}

/// A required text column as strings.
fn strings(
    group: &dyn parquet::file::reader::RowGroupReader,
    index: usize,
    rows: usize,
) -> Result<Vec<String>, ArchiveError> {
    let (values, _) = column::<ByteArrayType>(group, index, rows, false)?;
    values.into_iter().map(text).collect()
}

/// An optional text column as strings, `None` where a row has no value.
fn optional_strings(
    group: &dyn parquet::file::reader::RowGroupReader,
    index: usize,
    rows: usize,
) -> Result<Vec<Option<String>>, ArchiveError> {
    let (values, levels) = column::<ByteArrayType>(group, index, rows, true)?;
    let mut values = values.into_iter();
    levels
        .into_iter()
        .map(|level| match level {
            0 => Ok(None),
            _ => values
                .next()
                .ok_or_else(|| ArchiveError::Segment("a value is missing".into()))
                .and_then(text)
                .map(Some),
        })
        .collect()
}

fn text(value: ByteArray) -> Result<String, ArchiveError> {
    String::from_utf8(value.data().to_vec())
        .map_err(|_| ArchiveError::Segment("a text column holds invalid UTF-8".into()))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(crate) fn row(seq: i64) -> EventRow {
        EventRow {
            seq,
            event_id: format!("00000000-0000-4000-8000-{seq:012}"),
            account_id: "111111111111".into(),
            region: if seq % 3 == 0 {
                "eu-west-1"
            } else {
                "us-east-1"
            }
            .into(),
            event_time_ms: 1_700_000_000_000 + seq * 1_000,
            event_name: if seq % 2 == 0 {
                "CreateRoom"
            } else {
                "GetRoom"
            }
            .into(),
            event_source: "a4b.amazonaws.com".into(),
            username: (seq % 4 != 0).then(|| format!("user-{}", seq % 5)),
            access_key_id: (seq % 5 != 0).then(|| "AKIAEXAMPLE".to_owned()),
            read_only: seq % 2 == 1,
            category: "Management".into(),
            resources: (0..seq % 3)
                .map(|i| ("AWS::A4B::Room".to_owned(), format!("room-{seq}-{i}")))
                .collect(),
            record_json: format!(r#"{{"eventName":"x","n":{seq}}}"#),
        }
    }

    #[test]
    fn events_round_trip_across_row_groups() {
        let rows: Vec<EventRow> = (1..=(ROW_GROUP_ROWS as i64 + 10)).map(row).collect();
        let bytes = encode(&rows).unwrap();
        assert_eq!(decode(Bytes::from(bytes.clone())).unwrap(), rows);
        assert_eq!(
            encode(&rows).unwrap(),
            bytes,
            "the same events, the same bytes"
        );
    }

    #[test]
    fn other_parquet_and_damaged_bytes_are_refused() {
        let bytes = encode(&[row(1), row(2)]).unwrap();
        let mut damaged = bytes.clone();
        damaged.truncate(bytes.len() - 9);
        assert!(decode(Bytes::from(damaged)).is_err());
        assert!(decode(Bytes::from_static(b"PAR1 not really")).is_err());
    }

    proptest! {
        #[test]
        fn any_bytes_decode_or_fail_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = decode(Bytes::from(bytes));
        }

        #[test]
        fn any_strings_round_trip(name in ".{0,40}", user in proptest::option::of(".{0,20}"), record in ".{0,200}") {
            let mut event = row(7);
            event.event_name = name;
            event.username = user;
            event.record_json = record;
            let bytes = encode(std::slice::from_ref(&event)).unwrap();
            prop_assert_eq!(decode(Bytes::from(bytes)).unwrap(), vec![event]);
        }
    }
}
