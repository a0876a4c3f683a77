package outcomes

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"github.com/euregio/tranche/internal/filename"
	"time"

	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
)

// MaxEvidenceBytes is the largest evidence file accepted.
const MaxEvidenceBytes = 10 << 20

// File is an uploaded evidence file.
type File struct {
	Name string
	Data []byte
}

// Evidence is a stored evidence file.
type Evidence struct {
	ClaimID     uuid.UUID  `json:"-"`
	N           int        `json:"n"`
	Filename    string     `json:"filename"`
	ContentType string     `json:"content_type"`
	Size        int        `json:"size"`
	SHA256      []byte     `json:"-" gorm:"column:sha256"`
	Data        []byte     `json:"-"`
	UploadedBy  *uuid.UUID `json:"-"`
	UploadedAt  time.Time  `json:"uploaded_at"`
}

// TableName is the evidence table.
func (Evidence) TableName() string { return "evidence" }

// SHA256Hex is the file's checksum as the API shows it.
func (e Evidence) SHA256Hex() string { return fmt.Sprintf("%x", e.SHA256) }

// sniff recognises a file by its content, never by its name.
func sniff(b []byte) (string, bool) {
	switch {
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return "application/pdf", true
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", true
	case len(b) > 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return "image/jpeg", true
	}
	return "", false
}

// checkEvidence validates uploaded files and turns them into rows numbered
// from first.
func checkEvidence(files []File, first int, by *uuid.UUID, at time.Time) ([]Evidence, error) {
	var out []Evidence
	for i, f := range files {
		field := fmt.Sprintf("evidence[%d]", i)
		if len(f.Data) > MaxEvidenceBytes {
			return nil, &fault.Error{Code: EvidenceTooLarge, Detail: fmt.Sprintf("%s is %d bytes; the limit is 10 MB", f.Name, len(f.Data)),
				Fields: []fault.FieldError{fault.Field(field, EvidenceTooLarge.Code, "larger than 10 MB")}}
		}
		ct, ok := sniff(f.Data)
		if !ok || len(f.Data) == 0 {
			return nil, fault.Invalid(fault.Field(field, EvidenceType.Code, fmt.Sprintf("%s is not a PDF, PNG or JPEG file", f.Name)))
		}
		sum := sha256.Sum256(f.Data)
		name := filename.Clean(f.Name, ct, fmt.Sprintf("evidence-%d", first+i))
		out = append(out, Evidence{N: first + i, Filename: name, ContentType: ct, Size: len(f.Data), SHA256: sum[:], Data: f.Data, UploadedBy: by, UploadedAt: at})
	}
	return out, nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
