package auth

import (
	"context"
	"crypto/sha256"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// Directory finds people by email address for API calls that name one
// (a ticket filed for requester_email), from a cache while the node hears
// AuthChannel: every API ticket filed for someone looked them up, one query
// and a tenth of the request's CPU. Entries live at most cacheMaxAge and go
// at every announcement (a user's email, role or active flag changed,
// migration 00060) and after every write through this node; a new user needs
// no announcement, since an address not found is never cached. The address
// is the key exactly as given: the database compares lower-cased, and two
// spellings are simply two entries.
type Directory struct {
	DB  *postgres.DB
	Now func() time.Time

	cache authCache[cachedUser]
}

type cachedUser struct {
	user      helpdesk.User
	checkedAt time.Time
}

func (d *Directory) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// UserByEmail is postgres.DB.UserByEmail through the cache: ENOTFOUND when
// nobody has that address.
func (d *Directory) UserByEmail(ctx context.Context, email string) (*helpdesk.User, error) {
	now := d.now()
	e, _, err := d.cache.load(sha256.Sum256([]byte(email)),
		func(e cachedUser) bool { return now.Sub(e.checkedAt) <= cacheMaxAge },
		func() (cachedUser, bool, error) {
			u, err := d.DB.UserByEmail(ctx, email)
			if err != nil {
				return cachedUser{}, false, err
			}
			return cachedUser{user: *u, checkedAt: now}, true, nil
		})
	if err != nil {
		return nil, err
	}
	u := e.user
	return &u, nil
}

// Forget drops this node's cached people; the server calls it after every
// request that may have written, so a change made here holds for the very
// next request.
func (d *Directory) Forget() { d.cache.forget() }

// CacheHits is how many lookups this node answered from its cache.
func (d *Directory) CacheHits() int64 { return d.cache.hits.Load() }

// Listening tells the directory whether this node hears AuthChannel; only
// then are people cached.
func (d *Directory) Listening(on bool) { d.cache.listening(on) }
