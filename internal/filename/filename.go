package filename

import (
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxBytes is the longest stored name, in bytes.
const MaxBytes = 200

// extensions are the extensions of the content types Tranche recognises.
var extensions = map[string][]string{
	"application/pdf": {".pdf"},
	"image/png":       {".png"},
	"image/jpeg":      {".jpg", ".jpeg"},
	"text/csv":        {".csv"},
}

// Clean returns the name to store for an uploaded file of the recognised
// contentType: path parts, control characters (Unicode Cc) and format
// characters (Cf: bidirectional overrides and isolates, zero-width
// characters, the byte-order mark) are removed, spaces and dots trimmed,
// and the extension made the one contentType has (replacing another, or
// added). An empty result becomes fallback with that extension.
func Clean(name, contentType, fallback string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(name)
	name = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		if unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, name)
	name = strings.Trim(name, " .")
	exts := extensions[contentType]
	stem := name
	if ext := path.Ext(name); ext != "" {
		stem = strings.TrimRight(strings.TrimSuffix(name, ext), " .")
	}
	ext := ""
	if len(exts) > 0 {
		ext = exts[0]
		for _, e := range exts {
			if strings.EqualFold(path.Ext(name), e) {
				ext = strings.ToLower(path.Ext(name))
			}
		}
	} else {
		stem, ext = name, ""
	}
	if stem == "" || stem == "/" {
		stem = fallback
	}
	for len(stem)+len(ext) > MaxBytes {
		_, size := utf8.DecodeLastRuneInString(stem)
		stem = stem[:len(stem)-size]
	}
	return stem + ext
}
