"""The database refuses a course whose master is not in its school's catalog.

A check constraint cannot look across tables, so on PostgreSQL a trigger does
it (courses.services checks it first with a friendly message; the trigger is
the guarantee for every other writer). SQLite, the demo database, relies on
the services.
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION courses_master_in_school_catalog() RETURNS trigger AS $$
BEGIN
    IF NEW.master_id IS NOT NULL AND NOT EXISTS (
        SELECT 1
        FROM catalog_calendar cal
        JOIN catalog_school s ON s.id = cal.school_id
        JOIN coursemasters_coursemaster m ON m.catalog_id = s.catalog_id
        WHERE cal.id = NEW.calendar_id AND m.id = NEW.master_id
    ) THEN
        RAISE EXCEPTION 'course % has a master that is not in its school''s catalog', NEW.number
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER courses_master_in_school_catalog
    BEFORE INSERT OR UPDATE OF master_id, calendar_id ON courses_course
    FOR EACH ROW EXECUTE FUNCTION courses_master_in_school_catalog();
"""

DROP = """
DROP TRIGGER IF EXISTS courses_master_in_school_catalog ON courses_course;
DROP FUNCTION IF EXISTS courses_master_in_school_catalog();
"""


class Migration(migrations.Migration):
    dependencies = [("courses", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, DROP)]
