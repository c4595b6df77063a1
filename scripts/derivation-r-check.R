#!/usr/bin/env Rscript
# An independent R check of three derivation rules of docs/protocol.md, recomputed in plain R
# from the RAW study folder (the CSV files `dayzero simulate` writes), never from DayZero's
# derived tables:
#   1. SOFA `missing_components: {policy: carry_forward, carry_forward_days: N}` ("SOFA",
#      "Missing components"): the daily SOFA total and its components per patient and day;
#   2. `temperature_imputation` with `lower_only: true` ("The rules, exactly", "Temperature
#      imputation"): the daily temperature per patient and day, and which days are imputed;
#   3. `consecutive: true` in analysis-set criteria on a drug and on a parameter ("Analysis
#      sets", rules): the patients of each rule-based set.
# Each run is the default protocol (`dayzero protocol init`) with the edits listed in `runs`
# below, on the simulated study or on an edited copy of it (`studyEdit`). Mode `prepare`
# writes the edited protocols and study copies; scripts/derivation-r-check.sh then runs
# `dayzero analyze` on each and calls mode `check`, which compares R's values with DayZero's
# exports (aligned_long.csv: day values and imputed flags; table1_values.csv: set members) and
# writes R's values to the fixture Tests/DayZeroAnalysisTests/Fixtures/derivation-r-check.json,
# read by DerivationRCheckTests (no R needed there). Comparisons are exact (==): the rules
# select, count and compare measured values; no arithmetic beyond unit conversion
# (`value * factor + offset`, as DayZero converts) and taking a max, min or sum.
#
# Usage: Rscript scripts/derivation-r-check.R prepare BASE.yaml STUDYDIR PREPDIR
#        (prints one line per run: its name and the study folder it analyses)
#        Rscript scripts/derivation-r-check.R check STUDYDIR PREPDIR RUNSDIR OUT.json
# Needs: R with jsonlite.
suppressPackageStartupMessages(library(jsonlite))

# ---------------------------------------------------------------------------------------------
# The runs: name, what it checks, and the edits to the default protocol (fixed text, each found
# exactly once; `append` adds lines at the end of the file, i.e. to analysis_sets).

sofaPolicy <- "missing_components: {policy: sum_available, minimum_components: 1}"
sofaLine <- "  - {name: sofa, unit: points, transform: log, zero_rule: {add_constant: 1}, window: [-10, 6], table1: true}"
# The SOFA runs export the total and every component on [-20, 20] (wider than the default's
# [-10, 6], so that more days, and days far from day 0, are compared).
sofaWindow <- c(-20L, 20L)
sofaLines <- paste0(
  "  - {name: sofa, unit: points, transform: log, zero_rule: {add_constant: 1}, window: [-20, 20], table1: true}\n",
  paste0("  - {name: sofa_", c("respiration", "coagulation", "liver", "cardiovascular", "renal"),
         ", unit: points, transform: none, kinetics: false, window: [-20, 20]}", collapse = "\n"))
sofaEdits <- function(policy) list(
  list(replace = sofaPolicy, with = policy),
  list(replace = sofaLine, with = sofaLines))
imputationRule <- "  flag: actively_cooled\n  value: 40\n  impute_unmeasured_days: true"
feverRule <- "        - {parameter: temperature, above: 38.5, window: [-10, -1], on_at_least_days: 2}"
# Criteria sets of the consecutive run; each `-days` set has a `-run` twin that differs only by
# `consecutive: true`, so the run shows that the rule changes membership on the default cohort.
criteriaSets <- paste(
  "  - name: steroids-days",
  "    applies_to: all",
  "    exclude_if: {drug: corticosteroids, window: [-10, 10], on_at_least_days: 4}",
  "  - name: steroids-run",
  "    applies_to: all",
  "    exclude_if: {drug: corticosteroids, window: [-10, 10], on_at_least_days: 4, consecutive: true}",
  "  - name: fever-days",
  "    applies_to: controls",
  "    include_if: {parameter: temperature, above: 38.5, window: [-10, -1], on_at_least_days: 2}",
  "  - name: fever-run",
  "    applies_to: controls",
  "    include_if: {parameter: temperature, above: 38.5, window: [-10, -1], on_at_least_days: 2, consecutive: true}",
  "  - name: low-pf-days",
  "    applies_to: all",
  "    include_if: {parameter: pf_ratio, below: 150, window: [-5, 5], on_at_least_days: 4}",
  "  - name: low-pf-run",
  "    applies_to: all",
  "    include_if: {parameter: pf_ratio, below: 150, window: [-5, 5], on_at_least_days: 4, consecutive: true}",
  sep = "\n")

consecutiveEdits <- list(list(replace = feverRule, with = paste0(sub("\\}$", "", feverRule), ", consecutive: true}")),
                         list(append = criteriaSets))
# Study edits. Every drug course of the default cohort is an unbroken run of ICU days, so no
# drug criterion tells "n days" from "n days in a row" there: the run `consecutive-gapped`
# analyses a copy of the study whose medications.csv lacks the corticosteroid administrations
# on ICU days d with d mod 5 = 2, which breaks the longer courses into runs of at most 4 days.
# Only one patient of the default cohort is ever actively cooled (3 flagged days, all measured
# below 40 °C): the `temperature-cooled` runs analyse a copy whose measurements.csv gains an
# `actively_cooled` value 1 at time d on every ICU day d >= 0 with d mod 4 = 1 on which the
# patient has any measurement, so that flagged days are measured above, at and below the
# imputed value or not measured at all.
gaps <- list(kind = "drop_drug", drug = "corticosteroids", modulus = 5L, remainder = 2L)
cooling <- list(kind = "add_flags", parameter = "actively_cooled", modulus = 4L, remainder = 1L)
editedStudy <- function(e, from, to) {
  dir.create(to)
  for (f in list.files(from)) file.copy(file.path(from, f), file.path(to, f))
  if (e$kind == "drop_drug") {
    m <- read.csv(file.path(from, "medications.csv"), colClasses = "character", encoding = "UTF-8", na.strings = character(0))
    kept <- m[!(tolower(m$drug) == e$drug & floor(as.numeric(m$time)) %% e$modulus == e$remainder), ]
    stopifnot(nrow(kept) < nrow(m))
    write.csv(kept, file.path(to, "medications.csv"), row.names = FALSE, quote = FALSE, fileEncoding = "UTF-8")
  } else if (e$kind == "add_flags") {
    m <- read.csv(file.path(from, "measurements.csv"), colClasses = "character", encoding = "UTF-8")
    d <- floor(as.numeric(m$time))
    at <- unique(data.frame(patient = m$patient_id, day = d)[d >= 0 & d %% e$modulus == e$remainder, ])
    at <- at[order(at$patient, at$day), ]
    stopifnot(nrow(at) > 0)
    cat(sprintf("%s,%d,%s,1,flag\n", at$patient, at$day, e$parameter), sep = "",
        file = file.path(to, "measurements.csv"), append = TRUE)
  } else stop("study edit ", e$kind)
}

runs <- list(
  list(name = "default", checks = c("sofa", "temperature", "sets"),
       edits = list(), sofa = list(policy = "sum_available"), temperature = list(value = 40, mode = "every_flagged_day")),
  list(name = "sofa-carry-forward-1", checks = "sofa",
       edits = sofaEdits("missing_components: {policy: carry_forward, minimum_components: 1, carry_forward_days: 1}"),
       sofa = list(policy = "carry_forward", days = 1L)),
  list(name = "sofa-carry-forward-3", checks = "sofa",
       edits = sofaEdits("missing_components: {policy: carry_forward, minimum_components: 1, carry_forward_days: 3}"),
       sofa = list(policy = "carry_forward", days = 3L)),
  list(name = "sofa-carry-forward", checks = "sofa",
       edits = sofaEdits("missing_components: {policy: carry_forward, minimum_components: 1}"),
       sofa = list(policy = "carry_forward", days = NA_integer_)),
  list(name = "sofa-sum-available", checks = "sofa",
       edits = sofaEdits(sofaPolicy), sofa = list(policy = "sum_available")),
  list(name = "temperature-lower-only-40", checks = "temperature",
       edits = list(list(replace = imputationRule,
                         with = "  flag: actively_cooled\n  value: 40\n  impute_unmeasured_days: false\n  lower_only: true")),
       temperature = list(value = 40, mode = "lower_only")),
  list(name = "temperature-lower-only-39", checks = "temperature",
       edits = list(list(replace = imputationRule,
                         with = "  flag: actively_cooled\n  value: 39\n  impute_unmeasured_days: false\n  lower_only: true")),
       temperature = list(value = 39, mode = "lower_only")),
  list(name = "temperature-cooled", checks = "temperature", edits = list(), studyEdit = cooling,
       temperature = list(value = 40, mode = "every_flagged_day")),
  list(name = "temperature-cooled-measured-only-38.5", checks = "temperature", studyEdit = cooling,
       edits = list(list(replace = imputationRule,
                         with = "  flag: actively_cooled\n  value: 38.5\n  impute_unmeasured_days: false")),
       temperature = list(value = 38.5, mode = "measured_days_only")),
  list(name = "temperature-cooled-lower-only-38.5", checks = "temperature", studyEdit = cooling,
       edits = list(list(replace = imputationRule,
                         with = "  flag: actively_cooled\n  value: 38.5\n  impute_unmeasured_days: false\n  lower_only: true")),
       temperature = list(value = 38.5, mode = "lower_only")),
  list(name = "consecutive", checks = "sets", edits = consecutiveEdits,
       temperature = list(value = 40, mode = "every_flagged_day")),
  list(name = "consecutive-gapped", checks = "sets", edits = consecutiveEdits, studyEdit = gaps,
       temperature = list(value = 40, mode = "every_flagged_day")))

applyEdits <- function(text, edits) {
  for (e in edits) {
    if (!is.null(e$append)) {
      text <- paste0(sub("\n*$", "\n", text), e$append, "\n")
      next
    }
    at <- gregexpr(e$replace, text, fixed = TRUE)[[1]]
    if (length(at) != 1 || at[1] < 0) stop(sprintf("edit target found %d times, not once: %s", sum(at > 0), e$replace))
    text <- sub(e$replace, e$with, text, fixed = TRUE)
  }
  text
}

args <- commandArgs(trailingOnly = TRUE)
# The study folder a run analyses: the simulated one, or PREPDIR/<run>-study with its edit.
runStudy <- function(r, studyDir, prepDir) if (is.null(r$studyEdit)) studyDir else file.path(prepDir, paste0(r$name, "-study"))
if (length(args) >= 1 && args[1] == "prepare") {
  stopifnot(length(args) == 4)
  base <- paste(readLines(args[2], encoding = "UTF-8"), collapse = "\n")
  dir.create(args[4], showWarnings = FALSE)
  for (r in runs) {
    con <- file(file.path(args[4], paste0(r$name, ".yaml")), open = "w", encoding = "UTF-8")
    writeLines(applyEdits(base, r$edits), con)
    close(con)
    if (!is.null(r$studyEdit)) editedStudy(r$studyEdit, args[3], runStudy(r, args[3], args[4]))
    cat(r$name, " ", runStudy(r, args[3], args[4]), "\n", sep = "")
  }
  quit(status = 0)
}
if (length(args) != 5 || args[1] != "check") {
  stop("usage: derivation-r-check.R prepare BASE.yaml STUDYDIR PREPDIR | check STUDYDIR PREPDIR RUNSDIR OUT.json")
}
studyDir <- args[2]
prepDir <- args[3]
runsDir <- args[4]
outFile <- args[5]

# ---------------------------------------------------------------------------------------------
# The raw study (docs/data-format.md). Every time is an ICU-day number in the default cohort
# (icu_admission 0); a time t lies on ICU day floor(t).

readCSV <- function(dir, name) read.csv(file.path(dir, name), stringsAsFactors = FALSE, encoding = "UTF-8",
                                        colClasses = "character", na.strings = "")
num <- function(x) as.numeric(x)
patientsRaw <- readCSV(studyDir, "patients.csv")
course <- readCSV(studyDir, "icu_course.csv")
stopifnot(all(course$icu_admission == "0"))
readMedications <- function(dir) {
  m <- readCSV(dir, "medications.csv")
  m$time <- num(m$time)
  stopifnot(!anyNA(m$time))
  m$day <- floor(m$time)
  m
}
meds <- readMedications(studyDir)

# Canonical units (docs/data-format.md, "Parameter catalog"): canonical = value * factor + offset.
# Only the parameters this check reads; any other unit of them stops the script.
deg <- "\u00b0"
mu <- "\u00b5"
u <- function(unit, factor = 1, offset = 0) list(unit = unit, factor = factor, offset = offset)
units <- list(
  temperature = list(u(paste0(deg, "C")), u(paste0(deg, "F"), 5 / 9, -160 / 9)),
  actively_cooled = list(u("flag")),
  ferritin = list(u(paste0(mu, "g/L")), u("ng/mL")),
  pf_ratio = list(u("mmHg"), u("kPa", 7.50062)),
  platelets = list(u("10^9/L"), u("/uL", 0.001)),
  bilirubin = list(u(paste0(mu, "mol/L")), u("mg/dL", 17.104)),
  map = list(u("mmHg"), u("kPa", 7.50062)),
  norepinephrine = list(u(paste0(mu, "g/kg/min"))),
  epinephrine = list(u(paste0(mu, "g/kg/min"))),
  dopamine = list(u(paste0(mu, "g/kg/min"))),
  dobutamine = list(u(paste0(mu, "g/kg/min"))),
  creatinine = list(u(paste0(mu, "mol/L")), u("mg/dL", 88.42)),
  urine_output = list(u("mL/day")))
readMeasurements <- function(dir) {
  m <- readCSV(dir, "measurements.csv")
  m <- m[m$parameter %in% names(units), ]
  m$time <- num(m$time)
  m$value <- num(m$value)
  stopifnot(!anyNA(m$time), !anyNA(m$value))
  m$day <- floor(m$time)
  m$canonical <- NA_real_
  for (p in names(units)) for (c in units[[p]]) {
    at <- m$parameter == p & m$unit == c$unit
    m$canonical[at] <- m$value[at] * c$factor + c$offset
  }
  if (anyNA(m$canonical)) stop("a unit this check does not know: ", paste(unique(paste(m$parameter, m$unit)[is.na(m$canonical)]), collapse = ", "))
  m
}
meas <- readMeasurements(studyDir)

# The day value of a parameter per patient and ICU day: a data frame patient, day, value.
dayValues <- function(parameter, aggregation, m = meas) {
  m <- m[m$parameter == parameter, ]
  if (nrow(m) == 0) return(data.frame(patient = character(), day = numeric(), value = numeric()))
  f <- switch(aggregation, max = max, min = min, sum = sum)
  a <- aggregate(canonical ~ patient_id + day, data = m, FUN = f)
  data.frame(patient = a$patient_id, day = a$day, value = a$canonical, stringsAsFactors = FALSE)
}
key <- function(patient, day) paste(patient, day, sep = "|")
lookup <- function(dv) setNames(dv$value, key(dv$patient, dv$day))

# ---------------------------------------------------------------------------------------------
# The cohort (docs/protocol.md, "Eligibility and flow", "Alignment"): exclusions
# immunocompromised, then consent refused, then no ICU course; treated = any anakinra
# administration, day 0 = the ICU day of the first; controls' day 0 = the half-down median of
# the eligible treated patients' start days; a control whose ICU exit (min of discharge and
# death) is before its day 0 is excluded.

ids <- patientsRaw$patient_id
excluded <- patientsRaw$immunocompromised == "1" | patientsRaw$consent_refused == "1" | !(ids %in% course$patient_id)
eligible <- ids[!excluded]
anakinra <- meds[tolower(meds$drug) == "anakinra", ]
start <- tapply(anakinra$day, anakinra$patient_id, min)
treatedIds <- eligible[eligible %in% names(start)]
s <- sort(as.numeric(start[treatedIds]))
n <- length(s)
controlDay0 <- if (n %% 2 == 1) s[(n + 1) / 2] else floor((s[n / 2] + s[n / 2 + 1]) / 2)
exitTime <- function(id) {
  r <- course[course$patient_id == id, ]
  suppressWarnings(min(num(c(r$icu_discharge, r$death)), na.rm = TRUE))
}
controlIds <- eligible[!(eligible %in% treatedIds)]
controlIds <- controlIds[sapply(controlIds, exitTime) >= controlDay0]
included <- sort(c(treatedIds, controlIds))
group <- setNames(ifelse(included %in% treatedIds, "treated", "control"), included)
day0 <- setNames(ifelse(included %in% treatedIds, as.numeric(start[included]), controlDay0), included)
cat(sprintf("R cohort: %d treated, %d controls, controls' day 0 = ICU day %d\n",
            length(treatedIds), length(controlIds), controlDay0))

# ---------------------------------------------------------------------------------------------
# 1. SOFA (docs/protocol.md, "SOFA"), the default protocol's definition: each input's day value
# (the catalog's worst: min of P/F, platelets, MAP; max of bilirubin, creatinine, vasopressors;
# sum of urine output) scores the first band it meets, else 0; a component scores the max of
# its inputs with a value and is missing when none has one.

ventilated <- function(id, d) {
  r <- course[course$patient_id == id, ]
  vs <- num(r$ventilation_start)
  ve <- num(r$ventilation_end)
  !is.na(vs) & vs < d + 1 & (is.na(ve) | ve >= d)
}
band <- function(x, rules) {
  # rules: list of c(score, op, threshold); the first met wins, else 0.
  for (b in rules) {
    t <- as.numeric(b[3])
    met <- switch(b[2], "<" = x < t, ">" = x > t, ">=" = x >= t)
    if (met) return(as.numeric(b[1]))
  }
  0
}
inputs <- list(
  pf_ratio = "min", platelets = "min", bilirubin = "max", map = "min", dopamine = "max",
  dobutamine = "max", epinephrine = "max", norepinephrine = "max", creatinine = "max",
  urine_output = "sum")
inputValues <- lapply(names(inputs), function(p) lookup(dayValues(p, inputs[[p]])))
names(inputValues) <- names(inputs)
components <- c("respiration", "coagulation", "liver", "cardiovascular", "renal")
inputScore <- function(p, x, vent) switch(p,
  pf_ratio = if (vent) band(x, list(c(4, "<", 100), c(3, "<", 200), c(2, "<", 300), c(1, "<", 400)))
             else band(x, list(c(2, "<", 300), c(1, "<", 400))),
  platelets = band(x, list(c(4, "<", 20), c(3, "<", 50), c(2, "<", 100), c(1, "<", 150))),
  bilirubin = band(x, list(c(4, ">", 204), c(3, ">=", 102), c(2, ">=", 33), c(1, ">=", 20))),
  map = band(x, list(c(1, "<", 70))),
  dopamine = band(x, list(c(4, ">", 15), c(3, ">", 5), c(2, ">", 0))),
  dobutamine = band(x, list(c(2, ">", 0))),
  epinephrine = band(x, list(c(4, ">", 0.1), c(3, ">", 0))),
  norepinephrine = band(x, list(c(4, ">", 0.1), c(3, ">", 0))),
  creatinine = band(x, list(c(4, ">", 440), c(3, ">=", 300), c(2, ">=", 171), c(1, ">=", 110))),
  urine_output = band(x, list(c(4, "<", 200), c(3, "<", 500))))
componentInputs <- list(
  respiration = "pf_ratio", coagulation = "platelets", liver = "bilirubin",
  cardiovascular = c("map", "dopamine", "dobutamine", "epinephrine", "norepinephrine"),
  renal = c("creatinine", "urine_output"))

# Component scores (NA = missing) per patient and ICU day, for every day with any input value.
sofaDays <- local({
  k <- unique(unlist(lapply(inputValues, names)))
  parts <- strsplit(k, "|", fixed = TRUE)
  d <- data.frame(patient = sapply(parts, `[`, 1), day = as.numeric(sapply(parts, `[`, 2)), stringsAsFactors = FALSE)
  d <- d[order(d$patient, d$day), ]
  for (comp in components) {
    d[[comp]] <- mapply(function(id, day) {
      kk <- key(id, day)
      vent <- ventilated(id, day)
      sc <- c()
      for (p in componentInputs[[comp]]) {
        x <- inputValues[[p]][kk]
        if (!is.na(x)) sc <- c(sc, inputScore(p, x, vent))
      }
      if (length(sc) == 0) NA_real_ else max(sc)
    }, d$patient, d$day)
  }
  rownames(d) <- NULL
  d
})

# The total under a missing-components policy (minimum_components 1), per row of sofaDays.
# carry_forward: on a scored day a missing component takes the score of the latest earlier day
# on which it was measured, when that day is at most `days` earlier (NA: no limit); never
# measured before (or too long ago) counts 0. A carried score enters the total only.
sofaTotal <- function(policy, days = NA_integer_) {
  scores <- as.matrix(sofaDays[, components])
  total <- rep(NA_real_, nrow(sofaDays))
  rowsOf <- split(seq_len(nrow(sofaDays)), sofaDays$patient)
  for (i in seq_len(nrow(sofaDays))) {
    measured <- !is.na(scores[i, ])
    if (sum(measured) < 1) next
    if (policy == "sum_available") {
      total[i] <- sum(scores[i, measured])
    } else if (policy == "carry_forward") {
      t <- 0
      for (c in seq_along(components)) {
        if (measured[c]) { t <- t + scores[i, c]; next }
        own <- rowsOf[[sofaDays$patient[i]]]
        earlier <- own[sofaDays$day[own] < sofaDays$day[i] & !is.na(scores[own, c])]
        if (length(earlier) == 0) next
        last <- earlier[which.max(sofaDays$day[earlier])]
        if (is.na(days) || sofaDays$day[i] - sofaDays$day[last] <= days) t <- t + scores[last, c]
      }
      total[i] <- t
    } else stop("policy ", policy)
  }
  total
}

# ---------------------------------------------------------------------------------------------
# 2. Temperature (docs/protocol.md, "Temperature imputation"): the day value is the max; an ICU
# day with any non-zero actively_cooled value is flagged. every_flagged_day: the value becomes
# `value` (lowered, raised, or created when unmeasured); lower_only: a measured value above
# `value` is lowered to it (imputed), any other is kept, an unmeasured day stays empty.

temperatureDays <- function(value, mode, m = meas) {
  t <- dayValues("temperature", "max", m)
  flags <- m[m$parameter == "actively_cooled" & m$canonical != 0, ]
  flagged <- unique(key(flags$patient_id, flags$day))
  t$imputed <- FALSE
  tk <- key(t$patient, t$day)
  if (mode %in% c("every_flagged_day", "measured_days_only")) {
    at <- tk %in% flagged
    t$value[at] <- value
    t$imputed[at] <- TRUE
    new <- setdiff(flagged, tk)
    if (mode == "every_flagged_day" && length(new) > 0) {
      parts <- strsplit(new, "|", fixed = TRUE)
      t <- rbind(t, data.frame(patient = sapply(parts, `[`, 1), day = as.numeric(sapply(parts, `[`, 2)),
                               value = value, imputed = TRUE, stringsAsFactors = FALSE))
    }
  } else if (mode == "lower_only") {
    at <- tk %in% flagged & t$value > value
    t$value[at] <- value
    t$imputed[at] <- TRUE
  } else stop("mode ", mode)
  t
}

# ---------------------------------------------------------------------------------------------
# 3. Criteria (docs/protocol.md, "Analysis sets", rules): a drug rule counts the distinct
# aligned days (ICU day - day 0) in [a, b] with an administration; a parameter rule the aligned
# days in [a, b] whose day value (after imputation) meets the threshold (above/below strict).
# Met when that count reaches n; with consecutive, when the longest run of such days in a row
# (inside the window) reaches n.

longestRun <- function(days) {
  if (length(days) == 0) return(0)
  days <- sort(unique(days))
  best <- 1
  run <- 1
  for (i in seq_along(days)[-1]) {
    run <- if (days[i] == days[i - 1] + 1) run + 1 else 1
    best <- max(best, run)
  }
  best
}
meetsDays <- function(days, n, consecutive) if (consecutive) longestRun(days) >= n else length(unique(days)) >= n
drugRule <- function(given, id, drug, a, b, n, consecutive = FALSE) {
  m <- given[given$patient_id == id & tolower(given$drug) == tolower(drug), ]
  d <- m$day - day0[[id]]
  meetsDays(d[d >= a & d <= b], n, consecutive)
}
parameterRule <- function(dv, id, op, x, a, b, n, consecutive = FALSE) {
  v <- dv[dv$patient == id, ]
  d <- v$day - day0[[id]]
  ok <- d >= a & d <= b & switch(op, above = v$value > x, below = v$value < x)
  meetsDays(d[ok], n, consecutive)
}
setMembers <- function(appliesTo, include = NULL, exclude = NULL) {
  keep <- sapply(included, function(id) {
    selected <- appliesTo == "all" || (appliesTo == "controls" && group[[id]] == "control") ||
      (appliesTo == "treated" && group[[id]] == "treated")
    if (!selected) return(TRUE)
    if (!is.null(include) && !include(id)) return(FALSE)
    if (!is.null(exclude) && exclude(id)) return(FALSE)
    TRUE
  })
  included[keep]
}
setsOf <- function(run) {
  temp <- temperatureDays(run$temperature$value, run$temperature$mode)
  ferritin <- dayValues("ferritin", "max")
  pf <- dayValues("pf_ratio", "min")
  feverRun <- grepl("^consecutive", run$name)
  given <- meds
  if (!is.null(run$studyEdit) && run$studyEdit$kind == "drop_drug") {
    given <- readMedications(runStudy(run, studyDir, prepDir))
    # The edit leaves the treatment (and so the cohort and every day 0) as it was.
    a1 <- tolower(given$drug) == "anakinra"
    a0 <- tolower(meds$drug) == "anakinra"
    stopifnot(nrow(given) < nrow(meds), identical(given$patient_id[a1], meds$patient_id[a0]), identical(given$time[a1], meds$time[a0]))
  }
  sets <- list(
    main = included,
    `no-corticosteroids` = setMembers("all", exclude = function(id) drugRule(given, id, "corticosteroids", -10, 10, 1)),
    `criteria-matched-controls` = setMembers("controls", include = function(id)
      parameterRule(temp, id, "above", 38.5, -10, -1, 2, consecutive = feverRun) ||
        parameterRule(ferritin, id, "above", 1800, -10, -1, 1)))
  if (feverRun) {
    sets[["steroids-days"]] <- setMembers("all", exclude = function(id) drugRule(given, id, "corticosteroids", -10, 10, 4))
    sets[["steroids-run"]] <- setMembers("all", exclude = function(id) drugRule(given, id, "corticosteroids", -10, 10, 4, TRUE))
    sets[["fever-days"]] <- setMembers("controls", include = function(id) parameterRule(temp, id, "above", 38.5, -10, -1, 2))
    sets[["fever-run"]] <- setMembers("controls", include = function(id) parameterRule(temp, id, "above", 38.5, -10, -1, 2, TRUE))
    sets[["low-pf-days"]] <- setMembers("all", include = function(id) parameterRule(pf, id, "below", 150, -5, 5, 4))
    sets[["low-pf-run"]] <- setMembers("all", include = function(id) parameterRule(pf, id, "below", 150, -5, 5, 4, TRUE))
  }
  sets
}

# ---------------------------------------------------------------------------------------------
# Per run: R's values as arrays over the window's aligned days (null = no value) per main-set
# patient, compared with DayZero's aligned_long.csv (main set) and table1_values.csv.

series <- function(dv, first, last) {
  v <- lookup(dv)
  out <- lapply(included, function(id) unname(v[key(id, day0[[id]] + first:last)]))
  names(out) <- included
  out
}
dayzeroSeries <- function(long, parameter, first, last) {
  l <- long[long$analysis_set == "main" & long$parameter == parameter & long$timepoint == "daily", ]
  v <- setNames(num(l$value), key(l$patient_id, l$aligned_day))
  out <- lapply(included, function(id) unname(v[key(id, first:last)]))
  names(out) <- included
  # Rows of patients R does not include, or outside the window, would be missed above.
  list(values = out, outside = sum(num(l$aligned_day) < first | num(l$aligned_day) > last | !(l$patient_id %in% included)))
}
mismatches <- 0
compared <- 0
compareSeries <- function(run, what, r, dz) {
  bad <- 0
  n <- 0
  for (id in names(r)) {
    a <- r[[id]]
    b <- dz$values[[id]]
    stopifnot(length(a) == length(b))
    same <- (is.na(a) & is.na(b)) | (!is.na(a) & !is.na(b) & a == b)
    n <- n + length(a)
    if (!all(same)) {
      w <- which(!same)
      bad <- bad + length(w)
      for (j in head(w, 5)) cat(sprintf("  MISMATCH %s %s %s position %d: R %s, DayZero %s\n", run, what, id, j,
                                        format(a[j], digits = 17), format(b[j], digits = 17)))
    }
  }
  if (dz$outside != 0) { cat(sprintf("  MISMATCH %s %s: %d DayZero rows outside the window or of patients R does not include\n", run, what, dz$outside)); bad <- bad + 1 }
  compared <<- compared + n
  mismatches <<- mismatches + bad
  cat(sprintf("%-38s %-20s %5d patient-days (%d with a value): %s\n", run, what, n,
              sum(!is.na(unlist(r))), if (bad == 0) "equal" else sprintf("%d differ", bad)))
}
# Numbers are written with 17 significant digits (jsonlite stops at 15), so they read back exactly.
exact <- function(x) structure(sprintf("%.17g", x), class = "json")
nullable <- function(x) lapply(x, function(v) lapply(v, function(e) if (is.na(e)) NULL else exact(e)))

fixture <- list(
  description = paste(
    "R's recomputation (scripts/derivation-r-check.R, from the raw CSV files of `dayzero simulate`)",
    "of the daily SOFA (carry_forward), the daily temperature (lower_only) and the members of",
    "criteria sets (consecutive) of the default cohort under the default protocol with each run's edits.",
    "Series: per main-set patient, one entry per aligned day first..last (null = no value)."),
  cohort = list(treated = length(treatedIds), controls = length(controlIds), controlDay0 = controlDay0,
                patients = as.list(included)),
  runs = list())
for (run in runs) {
  dir <- file.path(runsDir, run$name)
  long <- read.csv(file.path(dir, "aligned_long.csv"), stringsAsFactors = FALSE, colClasses = "character", encoding = "UTF-8")
  t1 <- read.csv(file.path(dir, "table1_values.csv"), stringsAsFactors = FALSE, colClasses = "character", encoding = "UTF-8")
  dzMain <- sort(unique(t1$patient_id[t1$analysis_set == "main"]))
  if (!identical(dzMain, included)) { cat("  MISMATCH", run$name, "main set\n"); mismatches <- mismatches + 1 }
  entry <- list(name = run$name, edits = run$edits, studyEdit = run$studyEdit, series = list(), imputed = NULL, sets = NULL)
  if ("sofa" %in% run$checks) {
    total <- sofaTotal(run$sofa$policy, if (is.null(run$sofa$days)) NA_integer_ else run$sofa$days)
    wide <- run$name != "default"
    w <- if (wide) sofaWindow else c(-10L, 6L)
    params <- if (wide) c("sofa", paste0("sofa_", components)) else "sofa"
    for (p in params) {
      col <- if (p == "sofa") total else sofaDays[[sub("^sofa_", "", p)]]
      dv <- data.frame(patient = sofaDays$patient, day = sofaDays$day, value = col, stringsAsFactors = FALSE)
      dv <- dv[!is.na(dv$value), ]
      r <- series(dv, w[1], w[2])
      compareSeries(run$name, p, r, dayzeroSeries(long, p, w[1], w[2]))
      entry$series[[length(entry$series) + 1]] <- list(parameter = p, first = w[1], last = w[2], values = nullable(r))
    }
  }
  if ("temperature" %in% run$checks) {
    m <- if (!is.null(run$studyEdit) && run$studyEdit$kind == "add_flags") readMeasurements(runStudy(run, studyDir, prepDir)) else meas
    t <- temperatureDays(run$temperature$value, run$temperature$mode, m)
    r <- series(t, -10L, 10L)
    compareSeries(run$name, "temperature", r, dayzeroSeries(long, "temperature", -10L, 10L))
    entry$series[[length(entry$series) + 1]] <- list(parameter = "temperature", first = -10L, last = 10L, values = nullable(r))
    imp <- t[t$imputed & t$patient %in% included, ]
    imp$aligned <- imp$day - day0[imp$patient]
    imp <- imp[imp$aligned >= -10 & imp$aligned <= 10, ]
    imp <- imp[order(imp$patient, imp$aligned), ]
    l <- long[long$analysis_set == "main" & long$parameter == "temperature" & long$imputed == "1", ]
    dzImp <- sort(key(l$patient_id, l$aligned_day))
    rImp <- sort(key(imp$patient, imp$aligned))
    ok <- identical(dzImp, rImp)
    if (!ok) { mismatches <- mismatches + 1; cat("  MISMATCH imputed days: R", rImp, "DayZero", dzImp, "\n") }
    cat(sprintf("%-38s %-20s %5d imputed days in the window: %s\n", run$name, "temperature imputed", length(rImp),
                if (ok) "equal" else "differ"))
    entry$imputed <- lapply(seq_len(nrow(imp)), function(i) list(patient = imp$patient[i], day = imp$aligned[i], value = exact(imp$value[i])))
  }
  if ("sets" %in% run$checks) {
    sets <- setsOf(run)
    entry$sets <- list()
    for (s in names(sets)) {
      dz <- sort(unique(t1$patient_id[t1$analysis_set == s]))
      ok <- identical(dz, sort(sets[[s]]))
      if (!ok) {
        mismatches <- mismatches + 1
        cat("  MISMATCH set", s, "R only:", setdiff(sets[[s]], dz), "DayZero only:", setdiff(dz, sets[[s]]), "\n")
      }
      compared <- compared + length(included)
      cat(sprintf("%-38s %-20s %5d members (%d treated): %s\n", run$name, paste("set", s), length(sets[[s]]),
                  sum(sets[[s]] %in% treatedIds), if (ok) "equal" else "differ"))
      entry$sets[[length(entry$sets) + 1]] <- list(name = s, members = as.list(sort(sets[[s]])))
    }
  }
  fixture$runs[[length(fixture$runs) + 1]] <- entry
}
fixture$compared <- compared
json <- toJSON(fixture, auto_unbox = TRUE, null = "null", na = "null", json_verbatim = TRUE)
writeLines(json, outFile)
cat(sprintf("%d patient-days and set memberships compared; %d mismatches; wrote %s (%d bytes)\n",
            compared, mismatches, outFile, file.size(outFile)))
if (mismatches > 0) quit(status = 1)
