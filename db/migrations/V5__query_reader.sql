-- The database user `tracker sql` runs its queries as: it may read the tracker's tables and
-- views and nothing else. H2's privilege system is what keeps an ad-hoc query from writing,
-- dropping, or reaching files (FILE_READ, FILE_WRITE, CSVREAD, CSVWRITE, LINK_SCHEMA, SCRIPT,
-- RUNSCRIPT, CREATE ALIAS and most SET are admin-only in H2; see README, `tracker sql`).
-- Its password is empty on purpose: whoever can open the file is its owner and may connect as
-- the admin anyway; the user is a wall inside the process, not a secret.
--
-- H2 only, unlike V1..V3: PostgreSQL has neither CREATE USER IF NOT EXISTS nor GRANT ... ON
-- SCHEMA (it would be CREATE ROLE ... LOGIN and GRANT SELECT ON ALL TABLES IN SCHEMA public,
-- plus ALTER DEFAULT PRIVILEGES for tables made later).
CREATE USER IF NOT EXISTS TRACKER_READER PASSWORD '';
-- on the schema, not per table: tables and views of later migrations are readable at once
GRANT SELECT ON SCHEMA PUBLIC TO TRACKER_READER;
