"""Opening files: encodings, separators, and what is refused before a single row is read."""

from __future__ import annotations

import gzip
import zipfile

import pytest

from stammkunde.connectors.csv_import.reading import UnreadableFile, open_csv

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"


def rows(source):
    return [(line, cells) for line, cells, _problem in source.rows()]


def test_utf8_with_bom_and_semicolons_is_read(write_csv):
    path = write_csv("\ufeffemail;city\nanna@example.de;München\n")
    with open_csv(path) as source:
        assert source.header == ["email", "city"]
        assert source.delimiter == ";"
        assert rows(source) == [(2, ["anna@example.de", "München"])]


def test_comma_separated_file_without_bom_is_read(write_csv):
    path = write_csv('email,city\n"a@example.de","Köln, Rhein"\n')
    with open_csv(path) as source:
        assert source.delimiter == ","
        assert rows(source) == [(2, ["a@example.de", "Köln, Rhein"])]


def test_latin1_file_falls_back_to_windows_1252(write_csv):
    path = write_csv("email;city\na@example.de;Düsseldorf\n", encoding="latin-1")
    with open_csv(path) as source:
        assert source.encoding == "cp1252"
        assert rows(source) == [(2, ["a@example.de", "Düsseldorf"])]


def test_gzip_files_are_read_transparently(tmp_path):
    path = tmp_path / "data.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("email,city\nb@example.de,Bonn\n")
    with open_csv(path) as source:
        assert rows(source) == [(2, ["b@example.de", "Bonn"])]


def test_blank_lines_are_skipped_and_line_numbers_stay_true(write_csv):
    path = write_csv('email;note\n;\na@example.de;"two\nlines"\nb@example.de;x\n')
    with open_csv(path) as source:
        assert [line for line, _cells in rows(source)] == [4, 5]


def test_a_malformed_row_is_reported_and_reading_goes_on(write_csv):
    path = write_csv('email;note\na@example.de;"broken"quote\nb@example.de;ok\n')
    with open_csv(path) as source:
        result = list(source.rows())
    assert result[0][0] == 2 and result[0][1] is None and result[0][2]
    assert result[1] == (3, ["b@example.de", "ok"], "")


@pytest.mark.parametrize("content", [b"", b"   \r\n\r\n", b"\xef\xbb\xbf"])
def test_an_empty_file_is_refused(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(UnreadableFile, match="empty"):
        open_csv(path)


def test_a_png_is_refused_as_not_csv(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes(PNG)
    with pytest.raises(UnreadableFile, match="PNG file, not a CSV"):
        open_csv(path)


def test_a_zip_is_refused_as_not_csv(tmp_path):
    path = tmp_path / "customers.csv"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("customers.csv", "email\na@example.de\n")
    with pytest.raises(UnreadableFile, match="not a CSV"):
        open_csv(path)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(UnreadableFile, match="Cannot open"):
        open_csv(tmp_path / "nope.csv")
