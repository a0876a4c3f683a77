package fault

import (
	"errors"
	"fmt"
	"testing"
)

func TestIsMatchesOnCode(t *testing.T) {
	code := Define("test_code_is", KindConflict, "Test")
	err := fmt.Errorf("wrap: %w", New(code, "first"))
	if !errors.Is(err, New(code, "other detail")) {
		t.Fatalf("errors.Is(%v, same code) = false, want true", err)
	}
	if errors.Is(err, New(NotFound, "x")) {
		t.Fatalf("errors.Is(%v, not_found) = true, want false", err)
	}
	if !HasCode(err, code) {
		t.Fatalf("HasCode = false, want true")
	}
}

func TestInvalidNilWithoutFields(t *testing.T) {
	if err := Invalid(); err != nil {
		t.Fatalf("Invalid() = %v, want nil", err)
	}
	var f Fields
	f.Add("amount", "required", "Amount is required.")
	err := f.Err()
	e, ok := As(err)
	if !ok || e.Code != InvalidInput || len(e.Fields) != 1 || e.Fields[0].Field != "amount" {
		t.Fatalf("Fields.Err() = %#v, want invalid_input with one field", err)
	}
}

func TestDefineTwiceWithOtherKindPanics(t *testing.T) {
	Define("test_code_twice", KindConflict, "x")
	defer func() {
		if recover() == nil {
			t.Fatal("no panic on redefining a code with another kind")
		}
	}()
	Define("test_code_twice", KindInvalid, "x")
}

func TestIsKindWhateverTheCode(t *testing.T) {
	widget := Define("test_widget_not_found", KindNotFound, "Widget not found")
	tests := []struct {
		name string
		err  error
		kind Kind
		want bool
	}{
		{"an entity's not-found code", fmt.Errorf("wrap: %w", New(widget, "no widget")), KindNotFound, true},
		{"the generic not_found", New(NotFound, "no route"), KindNotFound, true},
		{"a conflict", New(Conflict, "busy"), KindNotFound, false},
		{"a conflict of its kind", New(Conflict, "busy"), KindConflict, true},
		{"not a domain error", errors.New("disk full"), KindNotFound, false},
		{"nil", nil, KindNotFound, false},
	}
	for _, tt := range tests {
		if got := IsKind(tt.err, tt.kind); got != tt.want {
			t.Errorf("%s: IsKind = %v, want %v", tt.name, got, tt.want)
		}
	}
}
