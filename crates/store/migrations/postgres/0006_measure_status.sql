-- Implementation status of 第6条's measures per department or information system, with evidence.
CREATE TABLE measure_status (
    measure TEXT NOT NULL,
    scope_kind TEXT NOT NULL,
    scope_code TEXT NOT NULL,
    status TEXT NOT NULL,
    evidence TEXT NOT NULL,
    assessed_on TEXT NOT NULL,
    justification TEXT NOT NULL,
    PRIMARY KEY (measure, scope_kind, scope_code)
);
