#!/usr/bin/env Rscript
# Ventilator-free days at day 28 of the alcoholic-hepatitis example, computed in R from the raw
# study CSV files alone (not from DayZero's exports): the cohort (exclusions, treated, day 0,
# controls not in the ICU on day 0), the analysis sets, each included patient's free days by the
# rule of docs/protocol.md ("Outcomes declared by the study", free_days) and the Mann-Whitney
# test per set. Read by FreeDaysParityTests; CI needs no R.
#
#   Rscript Tests/DayZeroAnalysisTests/Fixtures/free-days/free_days.R
#
# writes free_days.json beside this script. The study folder `study/` beside it is the example's
# synthetic cohort as `dayzero simulate --example alcoholic-hepatitis --out study` writes it
# (seed 20150423, 200 patients), committed so that the fixture does not depend on the generator.
# The protocol is the example's (`dayzero protocol init --example alcoholic-hepatitis`); the
# rules it states that matter here are written out below. R 4.2.2, base R only (writes JSON itself).

here <- local({
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grep("^--file=", a)])
  if (length(f) == 1) dirname(normalizePath(f)) else getwd()
})
read <- function(name) {
  read.csv(file.path(here, "study", name), stringsAsFactors = FALSE, na.strings = "",
           colClasses = c(patient_id = "character"))
}
patients <- read("patients.csv")
course <- read("icu_course.csv")
medications <- read("medications.csv")
events <- read("events.csv")
measurements <- read("measurements.csv")

# The example's protocol.
drug <- "prednisolone"   # treatment.drug
H <- 28                  # outcomes.horizon_days (free days: vfd_28, of: ventilation)
sets <- list(            # analysis_sets
  list(name = "main", exclude = function(p) rep(FALSE, nrow(p))),
  # exclude_if: {variable: infection_admission, is: 1} (an unknown value meets no rule)
  list(name = "no-infection-at-admission", exclude = function(p) !is.na(p$infection_admission) & p$infection_admission == 1))

# Every time of this study is an ICU-day number (icu_admission 0): ICU day d is [d, d + 1).
stopifnot(all(course$icu_admission == "0"))
icuDay <- function(t) floor(t)

# Exclusions, in flow order (docs/protocol.md "Eligibility and flow"); windows count ICU days.
#  1. maddrey-below-32: {variable: maddrey, below: 32} (unknown: not met)
#  2. gi-bleeding-early: {event: gi_bleeding, window: [0, 1]}
#  then: no ICU course.
bleeding <- unique(events$patient_id[events$event == "gi_bleeding" & icuDay(events$time) >= 0 & icuDay(events$time) <= 1])
excluded <- (!is.na(patients$maddrey) & patients$maddrey < 32) |
  patients$patient_id %in% bleeding |
  !(patients$patient_id %in% course$patient_id)
eligible <- patients[!excluded, ]

# Treated: at least one administration of the drug; day 0 = the ICU day of the first.
doses <- medications[tolower(medications$drug) == drug, ]
firstDose <- tapply(doses$time, doses$patient_id, min)
eligible$treated <- eligible$patient_id %in% names(firstDose)
eligible$day0 <- NA_real_
eligible$day0[eligible$treated] <- icuDay(firstDose[eligible$patient_id[eligible$treated]])

# Controls: the median of the eligible treated patients' start days, median_rounding half_down
# (an even count with middle values a <= b gives floor((a + b) / 2)).
starts <- sort(eligible$day0[eligible$treated])
n <- length(starts)
controlDay0 <- if (n %% 2 == 1) starts[(n + 1) / 2] else floor((starts[n / 2] + starts[n / 2 + 1]) / 2)
eligible$day0[!eligible$treated] <- controlDay0

# exclude_controls_not_in_icu: a control whose ICU exit min(discharge, death) is before its day 0
# began is excluded; leaving during day 0 keeps it.
eligible <- merge(eligible, course, by = "patient_id", sort = FALSE)
exit <- pmin(eligible$icu_discharge, eligible$death, na.rm = TRUE)
cohort <- eligible[eligible$treated | is.na(exit) | exit >= eligible$day0, ]
cohort <- cohort[order(cohort$patient_id), ]

# The last recorded time of any row of the patient (measurements, medications, events): the
# last time known alive when neither follow_up_end nor icu_discharge is given.
times <- rbind(measurements[, c("patient_id", "time")], medications[, c("patient_id", "time")],
               events[, c("patient_id", "time")])
lastRecorded <- tapply(times$time, times$patient_id, max)
first <- function(...) { for (x in list(...)) if (!is.na(x)) return(x); NA }

# Ventilator-free days at H (docs/protocol.md, free_days, duration_counting:
# calendar_days_inclusive): death within H of the start of day 0 -> 0; known alive for less than
# H and not dead -> missing; otherwise H minus the aligned days 0 ... H - 1 on which the patient
# was ventilated at any moment (ventilation ends at ventilation_end, else when last seen:
# discharge, else death, else follow_up_end, else the last recorded time).
freeDays <- function(r) {
  t0 <- r$day0
  last <- if (r$patient_id %in% names(lastRecorded)) lastRecorded[[r$patient_id]] else NA
  if (!is.na(r$death) && r$death <= t0 + H) return(0)
  lastKnownAlive <- first(r$follow_up_end, r$icu_discharge, last, t0)
  if (is.na(r$death) && lastKnownAlive < t0 + H) return(NA)
  if (is.na(r$ventilation_start)) return(H)
  start <- r$ventilation_start
  end <- first(r$ventilation_end, r$icu_discharge, r$death, r$follow_up_end, last, t0)
  d <- 0:(H - 1)
  H - sum(start < t0 + d + 1 & end >= t0 + d)
}
cohort$free_days <- vapply(seq_len(nrow(cohort)), function(i) freeDays(cohort[i, ]), 0)

# JSON at full precision (%.17g); ids are plain (letters and digits).
num <- function(x) ifelse(is.na(x), "null", sprintf("%.17g", x))
setJSON <- vapply(sets, function(s) {
  d <- cohort[!s$exclude(cohort), ]
  tr <- d$free_days[d$treated & !is.na(d$free_days)]
  co <- d$free_days[!d$treated & !is.na(d$free_days)]
  w <- suppressWarnings(wilcox.test(tr, co))   # DayZero's rule: R's default (exact when both n < 50 and no ties)
  rows <- sprintf('      {"id": "%s", "group": "%s", "day0": %d, "freeDays": %s}',
                  d$patient_id, ifelse(d$treated, "treated", "control"), as.integer(d$day0), num(d$free_days))
  paste0('    {"name": "', s$name, '", "patients": ', nrow(d),
         ', "treated": ', sum(d$treated), ', "control": ', sum(!d$treated),
         ', "missingTreated": ', sum(d$treated & is.na(d$free_days)), ', "missingControl": ', sum(!d$treated & is.na(d$free_days)),
         ', "W": ', num(unname(w$statistic)), ', "pValue": ', num(w$p.value), ',\n     "values": [\n',
         paste(rows, collapse = ",\n"), "\n    ]}")
}, "")
writeLines(c("{",
             '  "generator": "Tests/DayZeroAnalysisTests/Fixtures/free-days/free_days.R",',
             sprintf('  "r": "%s",', R.version.string),
             sprintf('  "measure": "vfd_28", "horizonDays": %d, "controlDay0": %d,', H, as.integer(controlDay0)),
             '  "sets": [', paste(setJSON, collapse = ",\n"), "  ]", "}"),
           file.path(here, "free_days.json"))
for (s in sets) {
  d <- cohort[!s$exclude(cohort), ]
  cat(sprintf("%s: %d patients (%d treated), %d without a value\n", s$name, nrow(d), sum(d$treated), sum(is.na(d$free_days))))
}
