-- name: InsertRating :execrows
-- Once per resolution: a second rating of the same resolution inserts nothing.
INSERT INTO satisfaction_ratings (ticket_id, resolution_no, rating, comment, user_id)
VALUES (@ticket_id, @resolution_no, @rating, @comment, @user_id)
ON CONFLICT (ticket_id, resolution_no) DO NOTHING;

-- name: GetRating :one
SELECT rating, comment, created_at FROM satisfaction_ratings
WHERE ticket_id = @ticket_id AND resolution_no = @resolution_no;
