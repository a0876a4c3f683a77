// Package filename makes the name of an uploaded file safe to store, show
// and send back: the base name only, without control or invisible
// formatting characters (which can make "report‮fdp.exe" look like
// "reportexe.pdf"), and with the extension of what the file really is.
//
// It imports nothing of Tranche's; billing and web use it for the names of
// downloads.
package filename
