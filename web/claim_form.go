package web

import (
	"mime/multipart"
	"strings"

	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/outcomes"
	"github.com/google/uuid"
)

// The claim page and the API send a claim as the same multipart form
// (achieved_on, note, evidence files, and milestone_code for a new claim);
// these read it, so that both refuse the same input with the same errors.

// submitInputOf reads a new claim for the trajectory from its form; errs
// are what the caller found wrong already (the API's trajectory_id), told
// together with the form's.
func submitInputOf(form *multipart.Form, trajectory uuid.UUID, errs fault.Fields) (outcomes.SubmitInput, error) {
	in := outcomes.SubmitInput{TrajectoryID: trajectory, MilestoneCode: strings.TrimSpace(formValue(form, "milestone_code")),
		Note: formValue(form, "note")}
	in.AchievedOn = parseDate(&errs, "achieved_on", formValue(form, "achieved_on"), true)
	if err := errs.Err(); err != nil {
		return in, err
	}
	files, err := formFiles(form, "evidence")
	in.Evidence = files
	return in, err
}

// resubmitInputOf reads a corrected claim from its form; an empty
// achieved_on keeps the claim's date.
func resubmitInputOf(form *multipart.Form) (outcomes.ResubmitInput, error) {
	var errs fault.Fields
	in := outcomes.ResubmitInput{Note: formValue(form, "note")}
	in.AchievedOn = parseDate(&errs, "achieved_on", formValue(form, "achieved_on"), false)
	if err := errs.Err(); err != nil {
		return in, err
	}
	files, err := formFiles(form, "evidence")
	in.Evidence = files
	return in, err
}
