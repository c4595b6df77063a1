import DayZeroCohort
import GRDB

/// The SQLite schema of a study store and its versioned migrations.
///
/// Design: one table per CSV table, rows keep their file order in `id` (INTEGER PRIMARY KEY),
/// patients are referenced by their integer `id` (foreign keys on), times are stored twice:
/// as ICU days (`time`, REAL) for analysis and as the format they were written in
/// (`time_format`: 0 day number, 1 date, 2 date-time to the minute, 3 to the second), which
/// together with the patient's admission timestamp reproduces the text on export. Values
/// keep their source number and unit next to the canonical value.
enum StudySchema {
    /// `PRAGMA application_id` of a DayZero study store ("DZST").
    static let applicationID: Int32 = 0x445A_5354

    /// The secondary indexes of version 1 (name, statement): reads by patient, then drug
    /// (event, analyte), then time. The measurement table has none: every reader (`load`, the
    /// export, the streamed derivation) scans it in `id` order — a study exported patient by
    /// patient is then already grouped; otherwise the derivation reads it once more through
    /// SQLite's external sort — while building a (patient, parameter, time) index cost more than
    /// a third of the import of a registry-sized study (3.4–4.9 s of CPU for 5.8 M rows) and a
    /// fifth of the store's size. The import drops them before the
    /// bulk insert and builds each once its table is complete (`DatabaseSink.buildIndexes`),
    /// which is faster than maintaining them row by row; the resulting database is the same.
    /// `table` is the table whose rows must all be in before the index is built.
    static let indexes: [(table: StudyTable, name: String, sql: String)] = [
        (.proteomicsSamples, "proteomics_sample_by_patient", "CREATE INDEX proteomics_sample_by_patient ON proteomics_sample(patient, time)"),
        (.medications, "medication_by_patient", "CREATE INDEX medication_by_patient ON medication(patient, drug, time)"),
        (.events, "event_by_patient", "CREATE INDEX event_by_patient ON event(patient, event, time)"),
        (.cytokines, "cytokine_by_patient", "CREATE INDEX cytokine_by_patient ON cytokine(patient, analyte, time)")
    ]

    /// The migrations, oldest first. A store is current when all are applied.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-study-tables") { db in
            try db.execute(sql: version1)
            for index in indexes { try db.execute(sql: index.sql) }
            try db.execute(sql: "PRAGMA application_id = \(applicationID)")
        }
        // Baseline variables declared by the study (variables.csv) and their values; the
        // built-in flags of patient become nullable (an empty cell is unknown). SQLite cannot
        // drop NOT NULL, so patient is rebuilt (GRDB runs migrations with foreign keys off and
        // checks them afterwards).
        migrator.registerMigration("v2-baseline-variables") { db in
            try db.execute(sql: version2)
        }
        return migrator
    }

    private static let flagColumns = (Comorbidity.allCases.map(\.rawValue) + ["immunocompromised", "consent_refused"])
        .map { "    \($0) INTEGER NOT NULL CHECK (\($0) IN (0, 1))" }
        .joined(separator: ",\n")

    /// The built-in flags of version 2: NULL is unknown.
    private static let nullableFlagColumns = (Comorbidity.allCases.map(\.rawValue) + ["immunocompromised", "consent_refused"])
        .map { "    \($0) INTEGER CHECK (\($0) IN (0, 1))" }
        .joined(separator: ",\n")

    static let version2 = """
        CREATE TABLE baseline_variable (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            label TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('binary', 'categorical', 'continuous')),
            unit TEXT,
            levels TEXT,
            level_labels TEXT,
            minimum REAL,
            maximum REAL
        );
        CREATE TABLE baseline_value (
            id INTEGER PRIMARY KEY,
            patient INTEGER NOT NULL REFERENCES patient(id),
            variable INTEGER NOT NULL REFERENCES baseline_variable(id),
            value REAL NOT NULL,
            UNIQUE (patient, variable)
        );
        CREATE TABLE patient_v2 (
            id INTEGER PRIMARY KEY,
            patient_id TEXT NOT NULL UNIQUE,
            site TEXT NOT NULL,
            sex TEXT NOT NULL CHECK (sex IN ('M', 'F')),
            age REAL NOT NULL,
            bmi REAL,
            apache_ii REAL,
            symptom_days REAL,
        \(nullableFlagColumns)
        );
        INSERT INTO patient_v2 SELECT * FROM patient;
        DROP TABLE patient;
        ALTER TABLE patient_v2 RENAME TO patient;
        """

    // BETWEEN, not IN (0, 1, 2, 3): SQLite evaluates an IN list of more than two values with
    // a temporary table built on every insert, which halved the import speed.
    private static let timeFormatCheck = "BETWEEN 0 AND 3"

    static let version1 = """
        CREATE TABLE study_table (
            name TEXT PRIMARY KEY NOT NULL
        );
        CREATE TABLE parameter_definition (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            label TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('clinical', 'cytokine')),
            unit TEXT NOT NULL,
            aggregation TEXT NOT NULL,
            minimum REAL NOT NULL,
            maximum REAL NOT NULL,
            CHECK (minimum <= maximum)
        );
        CREATE TABLE patient (
            id INTEGER PRIMARY KEY,
            patient_id TEXT NOT NULL UNIQUE,
            site TEXT NOT NULL,
            sex TEXT NOT NULL CHECK (sex IN ('M', 'F')),
            age REAL NOT NULL,
            bmi REAL,
            apache_ii REAL,
            symptom_days REAL,
        \(flagColumns)
        );
        CREATE TABLE icu_course (
            id INTEGER PRIMARY KEY,
            patient INTEGER NOT NULL UNIQUE REFERENCES patient(id),
            admission_timestamp TEXT,
            admission_format INTEGER NOT NULL CHECK (admission_format \(timeFormatCheck)),
            discharge REAL,
            discharge_format INTEGER CHECK (discharge_format \(timeFormatCheck)),
            ventilation_start REAL,
            ventilation_start_format INTEGER CHECK (ventilation_start_format \(timeFormatCheck)),
            ventilation_end REAL,
            ventilation_end_format INTEGER CHECK (ventilation_end_format \(timeFormatCheck)),
            death REAL,
            death_format INTEGER CHECK (death_format \(timeFormatCheck)),
            follow_up_end REAL,
            follow_up_end_format INTEGER CHECK (follow_up_end_format \(timeFormatCheck))
        );
        CREATE TABLE proteomics_sample (
            id INTEGER PRIMARY KEY,
            sample_id TEXT NOT NULL UNIQUE,
            patient INTEGER NOT NULL REFERENCES patient(id),
            time REAL NOT NULL,
            time_format INTEGER NOT NULL CHECK (time_format \(timeFormatCheck)),
            timepoint TEXT NOT NULL CHECK (timepoint IN ('pre', 'post'))
        );
        CREATE TABLE measurement (
            id INTEGER PRIMARY KEY,
            patient INTEGER NOT NULL REFERENCES patient(id),
            time REAL NOT NULL,
            time_format INTEGER NOT NULL CHECK (time_format \(timeFormatCheck)),
            parameter TEXT NOT NULL,
            value REAL NOT NULL,
            source_value REAL NOT NULL,
            source_unit TEXT NOT NULL
        );
        CREATE TABLE medication (
            id INTEGER PRIMARY KEY,
            patient INTEGER NOT NULL REFERENCES patient(id),
            drug TEXT NOT NULL,
            time REAL NOT NULL,
            time_format INTEGER NOT NULL CHECK (time_format \(timeFormatCheck)),
            dose REAL,
            dose_unit TEXT
        );
        CREATE TABLE event (
            id INTEGER PRIMARY KEY,
            patient INTEGER NOT NULL REFERENCES patient(id),
            event TEXT NOT NULL,
            time REAL NOT NULL,
            time_format INTEGER NOT NULL CHECK (time_format \(timeFormatCheck)),
            detail TEXT
        );
        CREATE TABLE cytokine (
            id INTEGER PRIMARY KEY,
            patient INTEGER NOT NULL REFERENCES patient(id),
            sample_id TEXT NOT NULL,
            time REAL NOT NULL,
            time_format INTEGER NOT NULL CHECK (time_format \(timeFormatCheck)),
            timepoint TEXT NOT NULL CHECK (timepoint IN ('admission', 'serial')),
            analyte TEXT NOT NULL,
            value REAL NOT NULL,
            source_value REAL NOT NULL,
            source_unit TEXT NOT NULL,
            below_lod INTEGER NOT NULL CHECK (below_lod IN (0, 1)),
            UNIQUE (sample_id, analyte)
        );
        CREATE TABLE proteomics_value (
            id INTEGER PRIMARY KEY,
            sample INTEGER NOT NULL REFERENCES proteomics_sample(id),
            olink_id TEXT,
            uniprot TEXT NOT NULL,
            assay TEXT NOT NULL,
            panel TEXT,
            npx REAL NOT NULL,
            lod REAL,
            qc_warning INTEGER NOT NULL CHECK (qc_warning IN (0, 1)),
            UNIQUE (sample, uniprot, assay)
        );
        """
}
