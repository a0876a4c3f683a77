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
