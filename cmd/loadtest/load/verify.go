package load

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/euregio/tranche/internal/database"
	"github.com/google/uuid"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// MissingClaims returns the ids among acked that the database does not hold.
func MissingClaims(ctx context.Context, db *database.DB, acked []uuid.UUID) ([]uuid.UUID, error) {
	found := map[uuid.UUID]bool{}
	for start := 0; start < len(acked); start += 5000 {
		var batch []string
		for _, id := range acked[start:min(start+5000, len(acked))] {
			batch = append(batch, id.String())
		}
		rows, err := db.Pool.Query(ctx, `SELECT id FROM claims WHERE id = ANY($1::uuid[])`, batch)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id uuid.UUID
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			found[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	var missing []uuid.UUID
	for _, id := range acked {
		if !found[id] {
			missing = append(missing, id)
		}
	}
	return missing, nil
}

// DuplicateClaims lists milestones with more than one live claim (one not
// rejected or revoked); there must be none.
func DuplicateClaims(ctx context.Context, db *database.DB) ([]string, error) {
	rows, err := db.Pool.Query(ctx, `SELECT trajectory_id::text || '/' || milestone_code || ': ' || count(*)
		FROM claims WHERE state NOT IN ('rejected', 'revoked') GROUP BY trajectory_id, milestone_code HAVING count(*) > 1 LIMIT 20`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// LiveClaims counts the live claims of a milestone.
func LiveClaims(ctx context.Context, db *database.DB, s Slot) (int, error) {
	var n int
	err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM claims WHERE trajectory_id = $1 AND milestone_code = $2
		AND state NOT IN ('rejected', 'revoked')`, s.TrajectoryID.String(), s.Milestone).Scan(&n)
	return n, err
}

// VerifyAfter checks what must hold after a drive: every acknowledged claim
// is in the database and no milestone has two live claims.
func VerifyAfter(ctx context.Context, db *database.DB, res *Result) error {
	var problems []string
	missing, err := MissingClaims(ctx, db, res.Acked())
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("%d acknowledged claim(s) not in the database, e.g. %s", len(missing), missing[0]))
	}
	dups, err := DuplicateClaims(ctx, db)
	if err != nil {
		return err
	}
	if len(dups) > 0 {
		problems = append(problems, "milestones with more than one live claim: "+strings.Join(dups, "; "))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	return nil
}
