package filename

import "testing"

func TestClean(t *testing.T) {
	long := ""
	for range 300 {
		long += "é"
	}
	tests := []struct{ name, ct, want string }{
		{"rapport.pdf", "application/pdf", "rapport.pdf"},
		{"scan.PNG", "image/png", "scan.png"},
		{"foto.jpeg", "image/jpeg", "foto.jpeg"},
		{"foto.JPG", "image/jpeg", "foto.jpg"},
		{"diploma.png", "application/pdf", "diploma.pdf"},           // the content decides
		{"diploma", "application/pdf", "diploma.pdf"},               // no extension: added
		{"report\u202Efdp.exe", "application/pdf", "reportfdp.pdf"}, // a right-to-left override is gone
		{"\u2067a\u2069b\u200B\u200Ec.pdf", "application/pdf", "abc.pdf"},
		{"in\x00ter\tnal\n.pdf", "application/pdf", "internal.pdf"}, // control characters are gone
		{"../../etc/passwd", "application/pdf", "passwd.pdf"},
		{`C:\Users\x\brief.pdf`, "application/pdf", "brief.pdf"},
		{"  ...  ", "application/pdf", "bewijs.pdf"},
		{"", "image/png", "bewijs.png"},
		{".pdf", "application/pdf", "pdf.pdf"},
		{"examens maart.txt", "text/csv", "examens maart.csv"},
		{"\xff\xfename.pdf", "application/pdf", "name.pdf"},
	}
	for _, tt := range tests {
		if got := Clean(tt.name, tt.ct, "bewijs"); got != tt.want {
			t.Errorf("Clean(%q, %s) = %q, want %q", tt.name, tt.ct, got, tt.want)
		}
	}
	got := Clean(long+".pdf", "application/pdf", "bewijs")
	if len(got) > MaxBytes || got[len(got)-4:] != ".pdf" || got[:2] != "é" {
		t.Errorf("a long name = %q (%d bytes)", got, len(got))
	}
}
