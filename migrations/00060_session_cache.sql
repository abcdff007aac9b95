-- +goose Up

-- Nodes keep recently checked sessions in memory (internal/auth). Any change
-- that could end a session or alter what it carries (user, availability,
-- team scope) announces itself on this channel after commit, and every node
-- drops its cached sessions. Statement triggers with one fixed payload: a
-- transaction sends one notification however many rows it touched.
-- +goose StatementBegin
CREATE FUNCTION sb_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sb_auth', '');
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER sessions_auth_changed AFTER DELETE OR TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION sb_auth_changed();
CREATE TRIGGER sessions_expiry_changed AFTER UPDATE OF expires_at, user_id ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION sb_auth_changed();
CREATE TRIGGER users_auth_changed AFTER UPDATE OF email, name, role, time_zone, locale, active, vip OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION sb_auth_changed();
CREATE TRIGGER team_members_auth_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON team_members
    FOR EACH STATEMENT EXECUTE FUNCTION sb_auth_changed();
CREATE TRIGGER teams_auth_changed AFTER INSERT OR UPDATE OF restricted OR DELETE ON teams
    FOR EACH STATEMENT EXECUTE FUNCTION sb_auth_changed();
CREATE TRIGGER agent_profiles_auth_changed AFTER INSERT OR UPDATE OF availability OR DELETE ON agent_profiles
    FOR EACH STATEMENT EXECUTE FUNCTION sb_auth_changed();

-- +goose Down
DROP FUNCTION sb_auth_changed() CASCADE;
