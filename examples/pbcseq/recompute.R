#!/usr/bin/env Rscript
# Recomputes, in R and independently of DayZero, what DayZero's workup reports for the PBC
# study, reading ONLY the CSV study folder examples/pbcseq/study/ (not survival's data frames),
# and writes examples/pbcseq/r-reference.json (every number with %.17g).
#
#   Rscript examples/pbcseq/recompute.R          (from the repository root)
#
# The cohort is rebuilt by the rules of docs/protocol.md and examples/pbcseq/protocol.yaml:
# - exclusion "stage-unknown": an empty stage in patients.csv; then "no ICU course";
# - treated = at least one medications.csv row of d_penicillamine (case-insensitive); the
#   treated patient's day 0 is the period of the first administration, the placebo patients'
#   the fixed period 0 (see the time axis below);
# - Table 1: sex (male), age, stage, edema, ascites, hepato, spiders; the laboratory values on
#   ICU period 0 (admission) and on aligned period 0 (the period's values combined by the protocol's
#   aggregation, after converting to the canonical unit: bilirubin mg/dL x 17.104 -> µmol/L,
#   platelets 10^3/mm3 x 1 -> 10^9/L);
#   binary rows fisher.test; categorical rows chisq.test(correct = FALSE) when every expected
#   count is >= 5, else fisher.test (gtsummary's rule); continuous rows median and quartiles
#   (quantile type 7) and wilcox.test (R's default exact/normal rule);
# - outcomes from day 0, each at most its horizon: death (transplant competing) and transplant
#   (death competing): the first of the event (1), the competing event (2; a tie goes to the
#   event), else censored at the last time known alive (follow_up_end, else icu_discharge);
#   Aalen-Johansen (survfit(Surv(time, factor(status, 0:2)) ~ group)) and Gray's test
#   (cmprsk::cuminc); death within 1826 days: yes / no (followed to day 1826 alive) / missing
#   (known alive for less than 1826 days), Fisher's exact test;
# - the time axis: 6-month periods of P = 182.625 days, each time t (days since entry) on the
#   nearest period, floor(t / P + 1/2) (docs/protocol.md, "The time axis"); day 0, Table 1's
#   "day 0" and the kinetics count these periods;
# - kinetics of the seven laboratory values over aligned periods 0..10: per patient and period
#   the values (canonical unit) combined by the parameter's aggregation (max / min / the first
#   in time, ties in file order), then the transform (log for bilirubin, ASAT, prothrombin time,
#   alkaline phosphatase and cholesterol); per period and group n, the mean of the analysed
#   values with t.test's 95% interval, mapped back (exp: the geometric mean); and
#   lmerTest::lmer(y ~ ns(time, knots = c(2, 6), Boundary.knots = c(0, 10)) * group + (1 | id),
#   REML = TRUE) with anova(type = 3) (Satterthwaite), the time x group row, on the whole window
#   and on its parts before (none: the window starts at day 0) and after day 0.
suppressPackageStartupMessages({ library(survival); library(cmprsk); library(splines); library(lme4); library(lmerTest) })

args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grepl("^--file=", args)])
here <- if (length(file_arg) == 1) dirname(normalizePath(file_arg)) else "examples/pbcseq"
study <- file.path(here, "study")
source(file.path(here, "..", "..", "Tests", "DayZeroStatsTests", "Fixtures", "tests", "json_writer.R"))

rd <- function(name) read.csv(file.path(study, name), colClasses = "character", na.strings = "", encoding = "UTF-8")
numv <- function(x) as.numeric(ifelse(is.na(x) | x == "", NA, x))
patients <- rd("patients.csv"); course <- rd("icu_course.csv"); meds <- rd("medications.csv")
events <- rd("events.csv"); meas <- rd("measurements.csv"); variables <- rd("variables.csv")

# --- flow -----------------------------------------------------------------------------------
screened <- nrow(patients)
excl_stage <- is.na(patients$stage) | patients$stage == ""
no_course <- !excl_stage & !(patients$patient_id %in% course$patient_id)
cohort <- patients[!excl_stage & !no_course, ]
treated_ids <- unique(meds$patient_id[tolower(meds$drug) == "d_penicillamine"])
cohort$group <- factor(ifelse(cohort$patient_id %in% treated_ids, "treated", "control"), levels = c("control", "treated"))
# The time axis: period of a time t (days since entry) = floor(t / P + 1/2), written as DayZero's
# TimeAxis.period(of:) writes it (q = t / P; the fractional part of q at least 1/2 rounds up),
# the same for every t here: no visit is within 1e-6 periods of a half.
P <- 182.625
period <- function(t) { q <- t / P; f <- floor(q); ifelse(q - f >= 0.5, f + 1, f) }
first_dose <- tapply(numv(meds$time[tolower(meds$drug) == "d_penicillamine"]),
                     meds$patient_id[tolower(meds$drug) == "d_penicillamine"], min)
cohort$day0 <- ifelse(cohort$group == "treated", period(first_dose[cohort$patient_id]), 0)
co <- course[match(cohort$patient_id, course$patient_id), ]
cohort$death <- numv(co$death)
cohort$follow_up_end <- numv(co$follow_up_end)
cohort$discharge <- numv(co$icu_discharge)
# controls gone before their period 0 began (exit < (day0 - 1/2) P): none can be, checked anyway
exit <- pmin(cohort$discharge, cohort$death, na.rm = TRUE)
stopifnot(all(cohort$group == "treated" | is.na(exit) | exit >= (cohort$day0 - 0.5) * P))
# every outcome below counts from the start of the day holding day0 x P: day 0 for everybody
stopifnot(all(cohort$day0 == 0))
tr <- cohort$group == "treated"; ct <- !tr

# --- Table 1 --------------------------------------------------------------------------------
summ_count <- function(x) {  # x: logical with NA
  k <- x[!is.na(x)]
  list(n = length(k), missing = sum(is.na(x)), count = sum(k), percent = if (length(k)) 100 * sum(k) / length(k) else NA)
}
# Fisher's conditional maximum-likelihood odds ratio: fisher.test solves E[X | psi] = x with
# uniroot at its default tolerance (about 1.2e-4); the same equation solved to 1e-13 is
# recorded beside it (as in Tests/DayZeroStatsTests/Fixtures/tests/tests.R).
precise_odds_ratio <- function(tab) {
  m <- sum(tab[, 1]); n <- sum(tab[, 2]); k <- sum(tab[1, ]); x <- tab[1, 1]
  lo <- max(0, k - n); hi <- min(k, m); support <- lo:hi
  logdc <- dhyper(support, m, n, k, log = TRUE)
  mean_at <- function(theta) { d <- logdc + theta * support; d <- exp(d - max(d)); sum(support * d / sum(d)) }
  if (x == lo) 0 else if (x == hi) Inf else exp(uniroot(function(t) mean_at(t) - x, c(-60, 60), tol = 1e-13, maxiter = 10000)$root)
}
count_row <- function(id, x) {
  t <- summ_count(x[tr]); c <- summ_count(x[ct])
  tab <- matrix(c(t$count, t$n - t$count, c$count, c$n - c$count), 2, byrow = TRUE)
  f <- fisher.test(tab)
  list(id = id, kind = "count", treated = t, control = c, test = "fisher", p = f$p.value,
       odds_ratio = precise_odds_ratio(tab), r_odds_ratio = unname(f$estimate))
}
summ_cont <- function(x) {
  k <- x[!is.na(x)]
  q <- quantile(k, c(0.25, 0.5, 0.75), type = 7, names = FALSE)
  list(n = length(k), missing = sum(is.na(x)), median = q[2], q1 = q[1], q3 = q[3])
}
cont_row <- function(id, x) {
  w <- suppressWarnings(wilcox.test(x[tr & !is.na(x)], x[ct & !is.na(x)]))
  list(id = id, kind = "continuous", treated = summ_cont(x[tr]), control = summ_cont(x[ct]),
       test = "mann-whitney", statistic = unname(w$statistic), p = w$p.value,
       exact = is.null(w$method) || grepl("exact", w$method, ignore.case = TRUE) && !grepl("continuity", w$method))
}
cat_row <- function(id, x, levels) {
  f <- factor(x, levels = levels)
  tab <- table(f, cohort$group)[, c("treated", "control")]
  used <- tab[rowSums(tab) > 0, , drop = FALSE]
  expected <- outer(rowSums(used), colSums(used)) / sum(used)
  if (all(expected >= 5)) {
    ch <- chisq.test(used, correct = FALSE); test <- "chi-square"; p <- ch$p.value; stat <- unname(ch$statistic)
  } else {
    p <- fisher.test(used)$p.value; test <- "fisher"; stat <- NA
  }
  list(id = id, kind = "categorical", levels = I(levels),
       treated = list(n = sum(tab[, "treated"]), missing = sum(is.na(f) & tr), counts = I(as.integer(tab[, "treated"]))),
       control = list(n = sum(tab[, "control"]), missing = sum(is.na(f) & ct), counts = I(as.integer(tab[, "control"]))),
       test = test, statistic = stat, p = p, min_expected = min(expected))
}
flag <- function(v) { v <- numv(v); ifelse(is.na(v), NA, v != 0) }
levels_of <- function(name) strsplit(variables$levels[variables$variable == name], "|", fixed = TRUE)[[1]]

rows <- list(
  count_row("sex_male", ifelse(cohort$sex == "M", TRUE, ifelse(cohort$sex == "F", FALSE, NA))),
  cont_row("age", numv(cohort$age)),
  cat_row("stage", cohort$stage, levels_of("stage")),
  cat_row("edema", cohort$edema, levels_of("edema")),
  count_row("ascites", flag(cohort$ascites)),
  count_row("hepato", flag(cohort$hepato)),
  count_row("spiders", flag(cohort$spiders))
)

# laboratory values: canonical unit, daily value by the protocol's aggregation
labs <- list(
  bilirubin = list(agg = max, conv = c("µmol/L" = 1, "mg/dL" = 17.104)),
  albumin = list(agg = function(v) v[1], conv = c("g/dL" = 1)),
  platelets = list(agg = min, conv = c("10^9/L" = 1, "10^3/mm3" = 1)),
  asat = list(agg = max, conv = c("U/L" = 1)),
  prothrombin_time = list(agg = function(v) v[1], conv = c("s" = 1)),
  alkaline_phosphatase = list(agg = function(v) v[1], conv = c("U/L" = 1)),
  cholesterol = list(agg = function(v) v[1], conv = c("mg/dL" = 1))
)
meas$t <- numv(meas$time); meas$v <- numv(meas$value)
meas$period <- period(meas$t)
q <- meas$t / P
stopifnot(all(abs(q - floor(q) - 0.5) > 1e-6))
# the value of a period: every value of the period (in time order, ties in file order) combined
day_value <- function(parameter, icu_day) {
  vapply(seq_len(nrow(cohort)), function(i) {
    m <- meas[meas$patient_id == cohort$patient_id[i] & meas$parameter == parameter & meas$period == icu_day[i], ]
    m <- m[order(m$t), ]
    if (!nrow(m)) return(NA_real_)
    f <- labs[[parameter]]$conv[m$unit]
    stopifnot(!anyNA(f))
    labs[[parameter]]$agg(m$v * f + 0)
  }, 0)
}
# DayZero's row order: the paper's order (asat, bilirubin, platelets), then the protocol's
lab_order <- c("asat", "bilirubin", "platelets", "albumin", "prothrombin_time", "alkaline_phosphatase", "cholesterol")
for (p in lab_order) rows[[length(rows) + 1]] <- cont_row(paste0("admission.", p), day_value(p, rep(0, nrow(cohort))))
for (p in lab_order) rows[[length(rows) + 1]] <- cont_row(paste0("alignment.", p), day_value(p, cohort$day0))

# --- kinetics -------------------------------------------------------------------------------
window <- c(0, 10)
knots <- c(2, 6)
# The same tight optimiser as Tests/DayZeroStatsTests/Fixtures/mixed-model/continuous_time.R:
# theta as converged as BOBYQA gets (~1e-8); lmer's default stops ~1e-7 short of the optimum.
tight <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhobeg = 0.2, rhoend = 1e-12))
transforms <- c(bilirubin = "log", albumin = "none", platelets = "none", asat = "log", prothrombin_time = "log",
                alkaline_phosphatase = "log", cholesterol = "log")
kinetics_order <- c("bilirubin", "albumin", "platelets", "asat", "prothrombin_time", "alkaline_phosphatase", "cholesterol")
# The long table of one parameter: per patient and aligned period in the window, the period's
# value (aggregated in the canonical unit) and the analysed value.
period_values <- function(parameter) {
  m <- meas[meas$parameter == parameter & meas$patient_id %in% cohort$patient_id, ]
  f <- labs[[parameter]]$conv[m$unit]
  stopifnot(!anyNA(f))
  m$x <- m$v * f + 0
  m <- m[order(m$patient_id, m$period, m$t), ]  # stable: ties in time keep file order
  k <- match(m$patient_id, cohort$patient_id)
  m$aligned <- m$period - cohort$day0[k]
  m <- m[m$aligned >= window[1] & m$aligned <= window[2], ]
  key <- paste(m$patient_id, m$aligned)
  cells <- unique(key)
  x <- vapply(cells, function(c) labs[[parameter]]$agg(m$x[key == c]), 0)
  first <- m[match(cells, key), ]
  stopifnot(all(x > 0))  # the zero rule (exclude_zeros) leaves nothing out
  y <- if (transforms[[parameter]] == "log") log(x) else x
  data.frame(id = first$patient_id, time = first$aligned,
             group = factor(as.character(cohort$group[match(first$patient_id, cohort$patient_id)]), levels = c("control", "treated")),
             x = unname(x), y = unname(y), stringsAsFactors = FALSE)
}
back <- function(parameter, v) if (transforms[[parameter]] == "log") exp(v) else v
period_statistic <- function(parameter, y) {
  n <- length(y)
  if (n == 0) return(list(n = 0L, mean = NULL, lower = NULL, upper = NULL))
  if (n == 1) return(list(n = 1L, mean = back(parameter, y), lower = NULL, upper = NULL))
  ci <- t.test(y)$conf.int
  list(n = n, mean = back(parameter, mean(y)), lower = back(parameter, ci[1]), upper = back(parameter, ci[2]))
}
# The type III F test of the spline x group interaction on the rows with a <= time <= b; the
# knots strictly inside (a, b), boundary knots a and b (DayZero's rule for the parts).
interaction_test <- function(d, a, b) {
  d <- d[d$time >= a & d$time <= b, ]
  if (b <= a || !nrow(d) || length(unique(d$group)) < 2 || length(unique(d$time)) < 2) return(NULL)
  inside <- knots[knots > a & knots < b]
  spline <- if (length(inside)) sprintf("ns(time, knots = c(%s), Boundary.knots = c(%d, %d))", paste(inside, collapse = ", "), a, b)
            else sprintf("ns(time, df = 1, Boundary.knots = c(%d, %d))", a, b)
  fit <- lmer(as.formula(paste("y ~", spline, "* group + (1 | id)")), data = d, REML = TRUE, control = tight)
  a3 <- anova(fit, type = 3, ddf = "Satterthwaite")
  coefs <- summary(fit, ddf = "Satterthwaite")$coefficients
  last <- nrow(a3)
  stopifnot(grepl(":group$", rownames(a3)[last]))
  list(first = a, last = b, observations = nrow(d), patients = length(unique(d$id)),
       time_model = sprintf("spline(knots: %s)", if (length(inside)) paste(inside, collapse = ", ") else "none"),
       term = rownames(a3)[last], F = a3[last, "F value"], num_df = a3[last, "NumDF"], den_df = a3[last, "DenDF"],
       p = a3[last, "Pr(>F)"], singular = isSingular(fit), theta = unname(getME(fit, "theta")),
       # the coefficients whose Satterthwaite p underflows to 0 (DayZero warns about each)
       p_underflow = I(rownames(coefs)[coefs[, "Pr(>|t|)"] == 0]))
}
kinetics <- lapply(kinetics_order, function(parameter) {
  d <- period_values(parameter)
  periods <- lapply(window[1]:window[2], function(t) list(
    period = t,
    treated = period_statistic(parameter, d$y[d$time == t & d$group == "treated"]),
    control = period_statistic(parameter, d$y[d$time == t & d$group == "control"])))
  list(parameter = parameter, transform = transforms[[parameter]], first = window[1], last = window[2],
       values = nrow(d), periods = periods,
       overall = interaction_test(d, window[1], window[2]),
       # the parts share day 0; a part exists only when the window reaches across day 0
       pre = if (window[1] < 0 && window[2] >= 0) interaction_test(d, window[1], 0) else NULL,
       post = if (window[2] > 0 && window[1] <= 0) interaction_test(d, 0, window[2]) else NULL)
})

# --- outcomes -------------------------------------------------------------------------------
ev <- events[events$event == "transplant", ]
tx_time <- vapply(seq_len(nrow(cohort)), function(i) {
  t <- numv(ev$time[ev$patient_id == cohort$patient_id[i]]); t <- t[t >= cohort$day0[i]]
  if (length(t)) min(t) else NA_real_
}, 0)
death_time <- ifelse(!is.na(cohort$death) & cohort$death >= cohort$day0, cohort$death, NA)
last_alive <- ifelse(!is.na(cohort$follow_up_end), cohort$follow_up_end, cohort$discharge)
obs_end <- ifelse(!is.na(cohort$death), cohort$death, last_alive) - cohort$day0
observe <- function(event, competing, h) {
  e <- event - cohort$day0; c <- competing - cohort$day0
  first <- pmin(e, c, na.rm = TRUE)
  hit <- !is.na(first) & first <= h & first <= obs_end
  status <- ifelse(hit, ifelse(!is.na(e) & first == e, 1L, 2L), 0L)
  time <- ifelse(hit, pmax(first, 0), pmin(pmax(obs_end, 0), h))
  list(time = time, status = status)
}
times_of_interest <- c(365, 730, 1095, 1826, 2557, 3650)
competing_measure <- function(name, event, competing, h) {
  o <- observe(event, competing, h)
  fit <- survfit(Surv(o$time, factor(o$status, 0:2)) ~ cohort$group)
  risk_times <- seq(0, h, by = 365)
  groups <- lapply(c("treated", "control"), function(g) {
    sel <- cohort$group == g
    f1 <- survfit(Surv(o$time[sel], factor(o$status[sel], 0:2)) ~ 1)
    s <- summary(f1, times = times_of_interest, extend = TRUE)
    col1 <- which(f1$states == "1"); col2 <- which(f1$states == "2")
    list(group = g, patients = sum(sel), events = sum(o$status[sel] == 1), competing_events = sum(o$status[sel] == 2),
         times = I(times_of_interest), incidence = I(s$pstate[, col1]), competing_incidence = I(s$pstate[, col2]),
         lower = I(s$lower[, col1]), upper = I(s$upper[, col1]),
         at_risk = I(vapply(risk_times, function(t) sum(o$time[sel] >= t), 0L)),
         incidence_at_horizon = s$pstate[length(times_of_interest), col1])
  })
  stopifnot(length(fit$strata) == 2)
  g <- cuminc(o$time, o$status, cohort$group, cencode = 0)$Tests
  list(name = name, horizon = h, risk_times = I(risk_times), groups = groups,
       gray_statistic = unname(g["1", "stat"]), gray_p = unname(g["1", "pv"]), gray_df = unname(g["1", "df"]),
       observations = list(time = I(o$time), status = I(o$status), patient_id = I(cohort$patient_id)))
}
outcomes <- list(
  competing_measure("death", death_time, tx_time, 3650),
  competing_measure("transplant", tx_time, death_time, 3650)
)
h5 <- 1826
dead5 <- !is.na(death_time) & death_time - cohort$day0 <= h5
status5 <- ifelse(dead5, TRUE, ifelse(!is.na(cohort$death) & cohort$death - cohort$day0 > h5, FALSE,
                  ifelse(last_alive - cohort$day0 >= h5, FALSE, NA)))
binary <- count_row("death_5y", status5)
binary$horizon <- h5

reference <- list(
  source = "examples/pbcseq/recompute.R on examples/pbcseq/study (R, survival, cmprsk)",
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  cmprsk_version = as.character(packageVersion("cmprsk")),
  flow = list(screened = screened, excluded_stage_unknown = sum(excl_stage), no_icu_course = sum(no_course),
              included = nrow(cohort), treated = sum(tr), control = sum(ct)),
  table1 = rows,
  kinetics = list(time_axis = list(period_days = P, rounding = "nearest"), window = I(window), knots = I(knots),
                  lme4_version = as.character(packageVersion("lme4")), lmerTest_version = as.character(packageVersion("lmerTest")),
                  panels = kinetics),
  competing = outcomes,
  binary = binary
)
write_json_file(reference, file.path(here, "r-reference.json"))
cat("wrote", file.path(here, "r-reference.json"), "\n")
for (r in rows) cat(sprintf("%-34s %-12s p = %.6g\n", r$id, r$test, r$p))
for (k in kinetics) cat(sprintf("%-22s %-4s %4d values; time x group F = %.6g on %g and %.6g df, p = %.6g\n", k$parameter,
                                k$transform, k$values, k$overall$F, k$overall$num_df, k$overall$den_df, k$overall$p))
for (o in outcomes) cat(sprintf("%-12s Gray chi2 = %.6g p = %.6g; CIF(3650) treated %.4f control %.4f\n", o$name, o$gray_statistic,
                                o$gray_p, o$groups[[1]]$incidence_at_horizon, o$groups[[2]]$incidence_at_horizon))
cat(sprintf("death_5y: treated %d/%d (missing %d), placebo %d/%d (missing %d), Fisher p = %.6g\n", binary$treated$count,
            binary$treated$n, binary$treated$missing, binary$control$count, binary$control$n, binary$control$missing, binary$p))
