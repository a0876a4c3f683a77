package csvexport

import (
	"bytes"
	"encoding/csv"
	"testing"
)

func TestCell(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"1234.50", "1234.50"},
		{"-12.50", "-12.50"},
		{"-12", "-12"},
		{"0", "0"},
		{"=SUM(A1:A9)", "'=SUM(A1:A9)"},
		{"+31 6 1234", "'+31 6 1234"},
		{"+12", "'+12"},
		{"-1+1", "'-1+1"},
		{"-12,50", "'-12,50"},
		{"-", "'-"},
		{"-.5", "'-.5"},
		{"@cmd", "'@cmd"},
		{"\tx", "'\tx"},
		{"\r=1", "'\r=1"},
		{"-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"},
		{"a=b", "a=b"},
		{"Çelik", "Çelik"},
	} {
		if got := Cell(tc.in); got != tc.want {
			t.Errorf("Cell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestWriterEscapesEveryCell(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.Write([]string{"=1+1", "-3.00", "@x", "ok"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rec, err := csv.NewReader(&buf).Read()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"'=1+1", "-3.00", "'@x", "ok"}
	for i := range want {
		if rec[i] != want[i] {
			t.Errorf("cell %d = %q, want %q", i, rec[i], want[i])
		}
	}
}
