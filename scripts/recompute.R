#!/usr/bin/env Rscript
# Recomputes in R every p-value of a DayZero results.json from the tidy exports written beside
# it (`dayzero analyze --out DIR`), and compares them.
#
#   Rscript scripts/recompute.R DIR [TOLERANCE] [--json FILE]
#
# TOLERANCE is relative (default 1e-6). Exit status 0 when every p-value agrees, 1 otherwise.
# --json FILE also writes every compared value as R computed it (set, analysis, id, r; the
# MatchIt pairs of a propensity-matched set), at full precision: the committed fixture
# Tests/DayZeroAnalysisTests/Fixtures/kooistra-default-r-recompute.json is this file for the
# default cohort (regenerate with Tests/DayZeroAnalysisTests/Fixtures/kooistra-default-r-recompute.sh),
# read by `swift test` (DefaultCohortRParityTests), which needs no R.
# Needs: jsonlite, lme4, lmerTest, survival, cmprsk, MatchIt, survey (Debian: r-cran-jsonlite
# r-cran-lmertest r-cran-survival r-cran-cmprsk r-cran-matchit r-cran-survey).
# The R call used for each test is the one docs/methods.md names as DayZero's reference.

suppressPackageStartupMessages({
  library(jsonlite)
  library(lmerTest)
  library(splines)
  library(survival)
  library(MatchIt)
  library(cmprsk)
  library(survey)
})

args <- commandArgs(trailingOnly = TRUE)
usage <- "usage: Rscript scripts/recompute.R DIR [TOLERANCE] [--json FILE]"
jsonFile <- NULL
j <- which(args == "--json")
if (length(j) > 0) {
  if (length(j) > 1 || j[1] == length(args)) stop(usage)
  jsonFile <- args[j + 1]
  args <- args[-c(j, j + 1)]
}
if (length(args) < 1 || length(args) > 2) stop(usage)
dir <- args[1]
tolerance <- if (length(args) >= 2) as.numeric(args[2]) else 1e-6

# Patient ids stay text ("007" and "7" are different patients).
read <- function(name, ...) read.csv(file.path(dir, name), stringsAsFactors = FALSE, na.strings = "",
                                     colClasses = c(patient_id = "character", ...))
results <- fromJSON(file.path(dir, "results.json"), simplifyVector = FALSE)
long <- read("aligned_long.csv")
# Table 1 values stay text: a categorical row's levels are written as in patients.csv.
table1 <- read("table1_values.csv", value = "character")
outcomes <- read("outcomes.csv")
medication <- read("medication_use.csv")
proteomics <- read("proteomics_pairs.csv")
matching <- if (file.exists(file.path(dir, "matching.csv"))) {
  read.csv(file.path(dir, "matching.csv"), stringsAsFactors = FALSE, na.strings = "", colClasses = c(patient_id = "character"))
} else NULL

checks <- data.frame(set = character(), analysis = character(), id = character(),
                     dayzero = numeric(), r = numeric(), stringsAsFactors = FALSE)
# Tests DayZero reported as not computable (each with a warning in results.json) are counted
# and listed at the end rather than compared.
skipped <- 0
# MatchIt's controls of every treated patient (propensity-matched sets), for --json.
pairs <- list()
add <- function(set, analysis, id, dayzero, r) {
  checks[nrow(checks) + 1, ] <<- list(set, analysis, id, dayzero, r)
}

# lme4's default optimizer stops when the REML criterion changes by less than ~1e-6, which can
# leave p-values ~1e-4 (relative) away from the optimum; DayZero optimises the profiled REML
# criterion to machine precision. The reference therefore asks lme4 to converge fully.
tightControl <- lmerControl(optimizer = "nloptwrap",
                            optCtrl = list(xtol_abs = 1e-14, ftol_abs = 1e-16, xtol_rel = 1e-14,
                                           ftol_rel = 1e-16, maxeval = 10000))

fisher2x2 <- function(treated, control) {
  tab <- matrix(c(sum(treated == 1), sum(treated == 0), sum(control == 1), sum(control == 0)), 2, byrow = TRUE)
  fisher.test(tab)$p.value
}
mannWhitney <- function(treated, control) {
  suppressWarnings(wilcox.test(treated, control)$p.value)
}
logRank <- function(d) {
  sd <- survdiff(Surv(time, event) ~ group, data = d)
  pchisq(sd$chisq, length(sd$n) - 1, lower.tail = FALSE)
}

# Propensity-score matching: MatchIt on the exported covariates (complete cases, patient order).
# The installed MatchIt 4.5.1 compares distances with the integer abs() (issue #163, fixed in
# 4.5.4), so it is given the score multiplied by 2^30 (exact; see docs/methods/matching.md), and
# a logit caliper is put on a linear-predictor column multiplied by 2^26.
checkMatching <- function(s) {
  set <- s$id
  m <- s$matching
  d <- matching[matching$analysis_set == set & matching$missing_covariate == 0, ]
  columns <- vapply(m$covariates, function(c) c$column, "")
  f <- reformulate(columns, response = "treat")
  fit <- matchit(f, data = d, method = "nearest", distance = "glm")
  ps <- unname(fit$distance)
  for (i in seq_len(nrow(d))) add(set, "matching score", d$patient_id[i], d$propensity_score[i], ps[i])
  if (m$order == "random") return(invisible())   # R's sample.int stream cannot be reproduced
  d$lp_scaled <- unname(predict(fit$model, type = "link")) * 2^26
  args <- list(f, data = d, method = "nearest", distance = ps * 2^30, ratio = m$ratio,
               replace = m$replace, m.order = if (m$replace) NULL else m$order)
  if (!is.null(m$caliper)) {
    args$caliper <- if (m$caliperScale == "logit_sd") c(lp_scaled = m$caliper) else m$caliper
  }
  r <- suppressWarnings(do.call(matchit, args))
  rownames(r$match.matrix) <- d$patient_id[match(rownames(r$match.matrix), rownames(d))]
  ids <- matrix(d$patient_id[match(r$match.matrix, rownames(d))], nrow = nrow(r$match.matrix))
  mismatches <- 0
  for (i in seq_len(nrow(ids))) {
    theirs <- paste(ids[i, !is.na(ids[i, ])], collapse = ";")
    pairs[[length(pairs) + 1]] <<- list(set = set, treated = rownames(r$match.matrix)[i], controls = theirs)
    ours <- d$matched_controls[d$patient_id == rownames(r$match.matrix)[i]]
    if (is.na(ours)) ours <- ""
    if (!identical(ours, theirs)) mismatches <- mismatches + 1
  }
  add(set, "matching pairs", "treated with other controls than MatchIt", mismatches, 0)
  sm <- summary(r, un = TRUE, pair.dist = FALSE)
  for (b in s$balance$rows) {
    if (b$kind == "binary") next
    add(set, "balance SMD", paste(b$id, "before"), b$before$difference, sm$sum.all[b$id, "Std. Mean Diff."])
    add(set, "balance SMD", paste(b$id, "after"), b$after$difference, sm$sum.matched[b$id, "Std. Mean Diff."])
  }
}

# Outcome effects (OutcomeMeasureResult.effects; docs/methods/cox.md, docs/methods/evalues.md).
# Hazard ratios: coxph(Surv(time, event) ~ treated), Efron ties; in a matched set with
# cluster() on the matched pair (on the patient with replacement) and the matching weights when
# any differs from 1. Compared: HR, Wald CI, Wald p, score p (robust score with a cluster), LR
# p, cox.zph's global p and the E-values (the EValue formulas, written out below).
evalueOf <- function(x) { if (x < 1) x <- 1 / x; x + sqrt(x * (x - 1)) }
evalueLimit <- function(est, lo, hi) {
  if (est > 1) { if (is.na(lo) || lo <= 1) 1 else evalueOf(lo) }
  else if (est < 1) { if (is.na(hi) || hi >= 1) 1 else evalueOf(hi) } else 1
}
hrToRR <- function(hr, common) if (common) (1 - 0.5^sqrt(hr)) / (1 - 0.5^sqrt(1 / hr)) else hr
effectOf <- function(m, measure) {
  for (e in m$effects) if (identical(e$measure, measure)) return(e)
  NULL
}
num0 <- function(x) if (is.null(x)) NA_real_ else x
checkHazardRatio <- function(set, m, d, design) {
  e <- effectOf(m, "hazardRatio")
  if (is.null(e)) { skipped <<- skipped + 1; return(invisible()) }
  d$treated <- as.integer(d$group == "treated")
  args <- list(Surv(time, event) ~ treated, data = d, ties = "efron")
  if (!is.null(design)) {
    d$pair <- design$cluster[d$patient_id]
    d$w <- design$weight[d$patient_id]
    args$data <- d
    args$cluster <- quote(pair)
    if (any(d$w != 1) || isTRUE(design$robust)) args$weights <- quote(w)
  }
  fit <- do.call(coxph, args)
  sm <- summary(fit)
  id <- function(field) paste(m$name, "hazardRatio", field)
  hr <- unname(exp(coef(fit)))
  add(set, "outcome effect", id("estimate"), e$estimate, hr)
  add(set, "outcome effect", id("lower"), num0(e$lower), sm$conf.int[1, "lower .95"])
  add(set, "outcome effect", id("upper"), num0(e$upper), sm$conf.int[1, "upper .95"])
  add(set, "outcome effect", id("p"), num0(e$p), sm$coefficients[1, "Pr(>|z|)"])
  add(set, "outcome effect", id("scoreP"), num0(e$scoreP),
      if (is.null(design)) unname(sm$sctest["pvalue"]) else unname(sm$robscore["pvalue"]))
  add(set, "outcome effect", id("likelihoodRatioP"), num0(e$likelihoodRatioP), unname(sm$logtest["pvalue"]))
  add(set, "outcome effect", id("proportionalHazardsP"), num0(e$proportionalHazardsP),
      cox.zph(fit)$table["GLOBAL", "p"])
  common <- mean(d$event == 1) > 0.15
  rr <- hrToRR(c(hr, sm$conf.int[1, "lower .95"], sm$conf.int[1, "upper .95"]), common)
  add(set, "outcome effect", id("eValue"), num0(e$eValue), evalueOf(rr[1]))
  add(set, "outcome effect", id("eValueLimit"), num0(e$eValueLimit), evalueLimit(rr[1], rr[2], rr[3]))
}
# Binary outcomes: the risk difference with Newcombe's hybrid score interval from
# prop.test(correct = FALSE)'s Wilson intervals; the odds ratio as fisher.test reports it (its
# conditional MLE comes from uniroot at ~1e-4, so the estimate and limits are compared with a
# tighter uniroot, below); E-values with the sqrt(OR) transform when > 15% had the event.
fisherOR <- function(x, m, n, k, level = 0.95) {
  lo <- max(0L, k - n); hi <- min(k, m); support <- lo:hi
  logdc <- dhyper(support, m, n, k, log = TRUE)
  dnhyper <- function(ncp) { d <- logdc + log(ncp) * support; d <- exp(d - max(d)); d / sum(d) }
  mnhyper <- function(ncp) if (ncp == 0) lo else if (ncp == Inf) hi else sum(support * dnhyper(ncp))
  pnhyper <- function(q, ncp, upper) {
    if (ncp == 1) return(if (upper) phyper(x - 1, m, n, k, lower.tail = FALSE) else phyper(x, m, n, k))
    if (ncp == 0) return(as.numeric(if (upper) q <= lo else q >= lo))
    if (ncp == Inf) return(as.numeric(if (upper) q <= hi else q >= hi))
    sum(dnhyper(ncp)[if (upper) support >= q else support <= q])
  }
  tol <- 1e-13
  mle <- if (x == lo) 0 else if (x == hi) Inf else {
    mu <- mnhyper(1)
    if (mu > x) uniroot(function(t) mnhyper(t) - x, c(0, 1), tol = tol)$root
    else if (mu < x) 1 / uniroot(function(t) mnhyper(1 / t) - x, c(.Machine$double.eps, 1), tol = tol)$root else 1
  }
  alpha <- (1 - level) / 2
  ncpU <- function(x, alpha) {
    if (x == hi) return(Inf)
    p <- pnhyper(x, 1, FALSE)
    if (p < alpha) uniroot(function(t) pnhyper(x, t, FALSE) - alpha, c(0, 1), tol = tol)$root
    else if (p > alpha) 1 / uniroot(function(t) pnhyper(x, 1 / t, FALSE) - alpha, c(.Machine$double.eps, 1), tol = tol)$root else 1
  }
  ncpL <- function(x, alpha) {
    if (x == lo) return(0)
    p <- pnhyper(x, 1, TRUE)
    if (p > alpha) uniroot(function(t) pnhyper(x, t, TRUE) - alpha, c(0, 1), tol = tol)$root
    else if (p < alpha) 1 / uniroot(function(t) pnhyper(x, 1 / t, TRUE) - alpha, c(.Machine$double.eps, 1), tol = tol)$root else 1
  }
  c(mle, ncpL(x, alpha), ncpU(x, alpha))
}
checkBinaryEffects <- function(set, m, known) {
  rdE <- effectOf(m, "riskDifference"); orE <- effectOf(m, "oddsRatio")
  if (is.null(rdE) || is.null(orE)) { skipped <<- skipped + 1; return(invisible()) }
  t <- known$event[known$group == "treated"]; c0 <- known$event[known$group == "control"]
  x1 <- sum(t == 1); n1 <- length(t); x2 <- sum(c0 == 1); n2 <- length(c0)
  a <- prop.test(x1, n1, correct = FALSE)$conf.int; b <- prop.test(x2, n2, correct = FALSE)$conf.int
  p1 <- x1 / n1; p2 <- x2 / n2; rd <- p1 - p2
  id <- function(measure, field) paste(m$name, measure, field)
  add(set, "outcome effect", id("riskDifference", "estimate"), rdE$estimate, rd)
  add(set, "outcome effect", id("riskDifference", "lower"), num0(rdE$lower), rd - sqrt((p1 - a[1])^2 + (b[2] - p2)^2))
  add(set, "outcome effect", id("riskDifference", "upper"), num0(rdE$upper), rd + sqrt((a[2] - p1)^2 + (p2 - b[1])^2))
  tab <- matrix(c(x1, n1 - x1, x2, n2 - x2), 2, byrow = TRUE)
  ft <- fisher.test(tab)
  add(set, "outcome effect", id("riskDifference", "p"), num0(rdE$p), ft$p.value)
  or <- fisherOR(x1, x1 + x2, n1 + n2 - x1 - x2, n1)
  stopifnot(abs(or[1] - ft$estimate) < 1e-3 * max(1, or[1]))   # fisher.test's own, at its uniroot tolerance
  add(set, "outcome effect", id("oddsRatio", "estimate"), orE$estimate, or[1])
  add(set, "outcome effect", id("oddsRatio", "lower"), num0(orE$lower), or[2])
  if (is.finite(or[3])) add(set, "outcome effect", id("oddsRatio", "upper"), num0(orE$upper), or[3])
  add(set, "outcome effect", id("oddsRatio", "p"), num0(orE$p), ft$p.value)
  if (or[1] > 0 && is.finite(or[1])) {
    common <- (x1 + x2) / (n1 + n2) > 0.15
    rr <- if (common) sqrt(or) else or
    add(set, "outcome effect", id("oddsRatio", "eValue"), num0(orE$eValue), evalueOf(rr[1]))
    add(set, "outcome effect", id("oddsRatio", "eValueLimit"), num0(orE$eValueLimit), evalueLimit(rr[1], rr[2], rr[3]))
  }
}
# The Cox model's clusters and weights in a matched set, from matching.csv.
matchedDesign <- function(s) {
  if (is.null(s$matching)) return(NULL)
  d <- matching[matching$analysis_set == s$id & matching$missing_covariate == 0, ]
  cluster <- character(0)
  for (i in which(!is.na(d$matched_controls) & d$matched_controls != "")) {
    controls <- strsplit(d$matched_controls[i], ";", fixed = TRUE)[[1]]
    if (isTRUE(s$matching$replace)) {
      cluster[c(d$patient_id[i], controls)] <- c(d$patient_id[i], controls)
    } else {
      cluster[c(d$patient_id[i], controls)] <- d$patient_id[i]
    }
  }
  list(cluster = cluster, weight = setNames(d$weight, d$patient_id))
}

# Propensity-score-weighted sets (docs/methods/weighting.md), from matching.csv's rows of the
# set: the glm refitted, WeightIt's weights (and trim) and ESS, cobalt's balance, the weighted
# Kaplan-Meier curves (survfit(weights =)), and — in the loop below — the weighted Cox models
# (coxph(weights = w, robust = TRUE)), the weighted risk differences (svyglm, ids = ~1) and the
# weighted kinetics tests (svyglm, ids = ~patient, regTermTest). WeightIt and cobalt are not on
# Debian; their formulas are written out.
weightingDesign <- function(s) {
  d <- matching[matching$analysis_set == s$id & matching$missing_covariate == 0, ]
  list(cluster = setNames(d$patient_id, d$patient_id), weight = setNames(d$weight, d$patient_id), robust = TRUE)
}
checkWeighting <- function(s) {
  set <- s$id; w <- s$weighting
  d <- matching[matching$analysis_set == set & matching$missing_covariate == 0, ]
  columns <- vapply(w$covariates, function(c) c$column, "")
  fit <- glm(reformulate(columns, response = "treat"), data = d, family = binomial)
  p <- unname(fitted(fit)); tr <- d$treat == 1
  wt <- switch(w$estimand, ATT = ifelse(tr, 1, p / (1 - p)), ATE = ifelse(tr, 1 / p, 1 / (1 - p)), ATO = ifelse(tr, 1 - p, p))
  if (!is.null(w$trim)) {
    sel <- if (w$estimand == "ATT") !tr else rep(TRUE, length(wt))
    cap <- unname(quantile(wt[sel], w$trim, type = 3))
    wt[sel & wt > cap] <- cap
    add(set, "weighting trim cap", "cap", w$trimCap, cap)
  }
  for (i in seq_len(nrow(d))) {
    add(set, "weighting score", d$patient_id[i], d$propensity_score[i], p[i])
    add(set, "weighting weight", d$patient_id[i], d$weight[i], wt[i])
  }
  ess <- function(x) sum(x)^2 / sum(x^2)
  add(set, "weighting ESS", "treated", w$treatedWeights$effectiveSampleSize, ess(wt[tr]))
  add(set, "weighting ESS", "control", w$controlWeights$effectiveSampleSize, ess(wt[!tr]))
  X <- cbind(distance = p, as.matrix(d[, columns, drop = FALSE]))
  for (b in w$balance) {
    x <- X[, b$name]; binary <- length(unique(x)) == 2
    if (binary) x <- as.numeric(x != min(x))
    s1 <- sd(x[tr]); s0 <- sd(x[!tr]); den <- if (w$estimand == "ATT") s1 else sqrt((s1^2 + s0^2) / 2)
    diff <- function(ww) {
      r <- weighted.mean(x[tr], ww[tr]) - weighted.mean(x[!tr], ww[!tr])
      if (abs(r) < sqrt(.Machine$double.eps)) 0 else if (binary) r else r / den
    }
    add(set, "weighting balance", paste(b$name, "before"), b$before, diff(rep(1, length(x))))
    add(set, "weighting balance", paste(b$name, "after"), b$after, diff(wt))
  }
  byId <- setNames(wt, d$patient_id)
  for (sv in w$survival) {
    o <- outcomes[outcomes$analysis_set == set & outcomes$curve == sv$measure, ]
    o$event <- as.integer(o$event == 1)
    o$w <- byId[o$patient_id]
    for (g in c("treated", "control")) {
      km <- survfit(Surv(time, event) ~ 1, data = o[o$group == g, ], weights = w)
      steps <- sv[[g]]$steps
      for (k in seq_along(steps)) {
        st <- steps[[k]]
        j <- match(st$time, km$time)
        add(set, "weighting KM", paste(sv$measure, g, st$time, "surv"), st$survival, km$surv[j])
        add(set, "weighting KM", paste(sv$measure, g, st$time, "std.err"), st$standardError, km$std.err[j])
      }
    }
  }
  byId
}
# The weighted risk difference: svyglm(event ~ treated, svydesign(ids = ~1, weights = ~w), gaussian),
# and the weighted odds ratio of the same design (quasibinomial).
checkWeightedRiskDifference <- function(set, m, known, byId) {
  e <- effectOf(m, "riskDifference")
  if (is.null(e)) { skipped <<- skipped + 1; return(invisible()) }
  known$treated <- as.integer(known$group == "treated")
  known$w <- byId[known$patient_id]
  fit <- svyglm(event ~ treated, design = svydesign(ids = ~1, weights = ~w, data = known), family = gaussian())
  co <- summary(fit)$coefficients; ci <- confint(fit)
  id <- function(field) paste(m$name, "riskDifference", field)
  add(set, "outcome effect", id("estimate"), e$estimate, co["treated", "Estimate"])
  add(set, "outcome effect", id("lower"), num0(e$lower), ci["treated", 1])
  add(set, "outcome effect", id("upper"), num0(e$upper), ci["treated", 2])
  add(set, "outcome effect", id("p"), num0(e$p), co["treated", "Pr(>|t|)"])
  # The weighted odds ratio: the same design, family = quasibinomial(); E-values as the
  # unweighted row's (sqrt(OR) when more than 15% of the patients with a known status had the event).
  o <- effectOf(m, "oddsRatio")
  if (is.null(o)) { skipped <<- skipped + 1; return(invisible()) }
  fo <- svyglm(event ~ treated, design = svydesign(ids = ~1, weights = ~w, data = known), family = quasibinomial())
  cq <- summary(fo)$coefficients; ciq <- exp(confint(fo))
  od <- function(field) paste(m$name, "oddsRatio", field)
  or <- c(exp(cq["treated", "Estimate"]), ciq["treated", 1], ciq["treated", 2])
  add(set, "outcome effect", od("estimate"), o$estimate, or[1])
  add(set, "outcome effect", od("lower"), num0(o$lower), or[2])
  add(set, "outcome effect", od("upper"), num0(o$upper), or[3])
  add(set, "outcome effect", od("p"), num0(o$p), cq["treated", "Pr(>|t|)"])
  common <- mean(known$event == 1) > 0.15
  rr <- if (common) sqrt(or) else or
  add(set, "outcome effect", od("eValue"), num0(o$eValue), evalueOf(rr[1]))
  add(set, "outcome effect", od("eValueLimit"), num0(o$eValueLimit), evalueLimit(rr[1], rr[2], rr[3]))
}
# A weighted set's kinetics tests: svyglm(y ~ factor(day) * group, ids = ~patient) + regTermTest.
checkWeightedKinetics <- function(set, panel, byId) {
  for (wname in c("overall", "pre", "post")) {
    t <- panel$weighted[[wname]]
    if (is.null(t) || is.null(t$interaction)) next
    d <- long[long$analysis_set == set & long$parameter == panel$parameter & long$timepoint == "daily" &
                long$aligned_day >= t$firstDay & long$aligned_day <= t$lastDay, ]
    d$group <- factor(d$group, levels = c("control", "treated"))
    d$w <- byId[d$patient_id]
    fit <- svyglm(analysed_value ~ factor(aligned_day) * group, design = svydesign(ids = ~patient_id, weights = ~w, data = d))
    r1 <- regTermTest(fit, ~factor(aligned_day):group)
    r2 <- regTermTest(fit, ~group + factor(aligned_day):group)
    id <- paste(panel$parameter, wname)
    add(set, "weighted kinetics F", paste(id, "interaction"), t$interaction$fStatistic, r1$Ftest[1])
    add(set, "weighted kinetics p", paste(id, "interaction"), t$interaction$pValue, r1$p[1])
    add(set, "weighted kinetics ddf", paste(id, "interaction"), t$interaction$denominatorDF, r1$ddf)
    if (!is.null(t$group)) {
      add(set, "weighted kinetics F", paste(id, "group"), t$group$fStatistic, r2$Ftest[1])
      add(set, "weighted kinetics p", paste(id, "group"), t$group$pValue, r2$p[1])
    }
  }
}

for (s in results$analysisSets) {
  set <- s$id
  if (!is.null(s$matching)) checkMatching(s)
  design <- matchedDesign(s)
  weightsById <- NULL
  if (!is.null(s$weighting)) {
    weightsById <- checkWeighting(s)
    design <- weightingDesign(s)
    for (panel in c(s$kinetics, s$cytokines)) if (!is.null(panel$weighted)) checkWeightedKinetics(set, panel, weightsById)
  }

  # Table 1: Fisher for count rows, Mann-Whitney for continuous rows; categorical rows the
  # levels x groups table without empty levels, chi-square without continuity correction when
  # every expected count is >= 5, else Fisher r x c (gtsummary's add_p() rule; the choice is
  # compared too, coded 1 = Fisher, 0 = chi-square).
  for (section in s$table1$sections) for (row in section$rows) {
    if (is.null(row$pValue)) { skipped <- skipped + 1; next }
    d <- table1[table1$analysis_set == set & table1$row_id == row$id & !is.na(table1$value), ]
    if (row$kind == "categorical") {
      t <- table(d$value, factor(d$group, levels = c("treated", "control")))
      fisher <- any(suppressWarnings(chisq.test(t, correct = FALSE))$expected < 5)
      add(set, "table1 test choice", row$id, as.numeric(row$test == "fisher"), as.numeric(fisher))
      p <- if (fisher) fisher.test(t)$p.value else chisq.test(t, correct = FALSE)$p.value
    } else {
      tr <- as.numeric(d$value[d$group == "treated"])
      co <- as.numeric(d$value[d$group == "control"])
      p <- if (row$test == "fisher") fisher2x2(tr, co) else mannWhitney(tr, co)
    }
    add(set, "table1", row$id, row$pValue, p)
  }

  # Kinetics and cytokines: type III F of day:group, Satterthwaite df.
  for (panel in c(s$kinetics, s$cytokines)) for (w in c("overall", "pre", "post")) {
    test <- panel[[w]]
    if (is.null(test)) { skipped <- skipped + 1; next }
    d <- long[long$analysis_set == set & long$parameter == panel$parameter & long$timepoint == "daily" &
                long$aligned_day >= test$firstDay & long$aligned_day <= test$lastDay, ]
    d$group <- factor(d$group, levels = c("control", "treated"))
    # kinetics_model (docs/protocol.md): categorical (no timeModel) = factor(day); "linear" = day
    # numeric; "spline(knots: 3, 6)" / "spline(knots: none)" = ns(day, knots, Boundary.knots =
    # the window's ends). The interaction is the last row of the type III table.
    model <- if (is.null(test$timeModel)) "categorical" else test$timeModel
    if (model == "categorical") {
      d$day <- factor(d$aligned_day)
      f <- analysed_value ~ day * group + (1 | patient_id)
    } else {
      d$day <- d$aligned_day
      if (model == "linear") {
        f <- analysed_value ~ day * group + (1 | patient_id)
      } else {
        inner <- sub("^spline\\(knots: (.*)\\)$", "\\1", model)
        b <- sprintf("c(%d, %d)", test$firstDay, test$lastDay)
        spline <- if (inner == "none") sprintf("ns(day, df = 1, Boundary.knots = %s)", b)
                  else sprintf("ns(day, knots = c(%s), Boundary.knots = %s)", inner, b)
        f <- as.formula(paste("analysed_value ~", spline, "* group + (1 | patient_id)"))
      }
    }
    fit <- suppressWarnings(suppressMessages(lmer(f, data = d, REML = TRUE, control = tightControl)))
    a <- anova(fit, type = 3)
    last <- nrow(a)
    add(set, "mixed-model", paste(panel$parameter, w), test$pValue, a[last, "Pr(>F)"])
    add(set, "mixed-model F", paste(panel$parameter, w), test$fStatistic, a[last, "F value"])
    add(set, "mixed-model DenDF", paste(panel$parameter, w), test$denominatorDF, a[last, "DenDF"])
  }

  # Medication use before/after day 0.
  for (m in s$medication) {
    if (is.null(m$pValue)) { skipped <- skipped + 1; next }
    d <- medication[medication$analysis_set == set & medication$drug == m$drug & medication$period == m$period, ]
    add(set, "medication", paste(m$drug, m$period), m$pValue,
        fisher2x2(d$used[d$group == "treated"], d$used[d$group == "control"]))
  }

  # Declared outcomes (outcomeMeasures; docs/protocol.md "Outcomes declared by the study"), from
  # outcomes.csv (one row per patient and measure, curve = the measure's name).
  for (m in s$outcomeMeasures) {
    d <- outcomes[outcomes$analysis_set == set & outcomes$curve == m$name, ]
    tr <- d$group == "treated"
    p <- m$row$pValue
    if (m$kind == "binary") {
      # event 1/0; empty = status at the horizon unknown, left out (counted as missing).
      known <- d[!is.na(d$event), ]
      if (is.null(p)) { skipped <- skipped + 1; next }
      add(set, "outcome fisher", m$name, p,
          fisher2x2(known$event[known$group == "treated"], known$event[known$group == "control"]))
      if (is.null(weightsById)) checkBinaryEffects(set, m, known) else checkWeightedRiskDifference(set, m, known, weightsById)
    } else if (m$kind %in% c("duration", "free_days")) {
      # days: the duration (durations) or the free days; empty = unknown (free days), left out.
      known <- d[!is.na(d$days), ]
      if (is.null(p)) skipped <- skipped + 1
      else add(set, "outcome mann-whitney", m$name, p,
               mannWhitney(known$days[known$group == "treated"], known$days[known$group == "control"]))
      # A duration's Kaplan-Meier curve: time, event 1/0 (the event ending it) and its log-rank test.
      if (m$kind == "duration") {
        if (is.null(m$survival$logRankP)) skipped <- skipped + 1
        else add(set, "outcome log-rank", m$name, m$survival$logRankP, logRank(d))
        checkHazardRatio(set, m, d, design)
      }
    } else if (m$kind == "time_to_event") {
      # event = the cause: 1 the event, 2 the competing event, 0 censored.
      if (is.null(m$cumulativeIncidence)) {
        if (is.null(m$survival$logRankP)) { skipped <- skipped + 1; next }
        d$event <- as.integer(d$event == 1)
        add(set, "outcome log-rank", m$name, m$survival$logRankP, logRank(d))
        checkHazardRatio(set, m, d, design)
      } else {
        ci <- m$cumulativeIncidence
        if (is.null(ci$grayP)) { skipped <- skipped + 1; next }
        tests <- cmprsk::cuminc(d$time, d$event, d$group, cencode = 0)$Tests
        add(set, "outcome gray", m$name, ci$grayP, tests["1", "pv"])
        add(set, "outcome gray statistic", m$name, ci$grayStatistic, tests["1", "stat"])
        # The cause-specific hazard: the competing event (2) censors.
        d$event <- as.integer(d$event == 1)
        checkHazardRatio(set, m, d, design)
      }
    } else stop(sprintf("outcome measure %s: unknown kind %s", m$name, m$kind))
  }

  # Proteomics: paired t-test post vs pre per group and assay.
  if (!is.null(s$proteomics)) for (g in s$proteomics$groups) for (point in g$points) {
    if (is.null(point$pValue)) { skipped <- skipped + 1; next }
    panel <- if (is.null(point$panel)) NA else point$panel
    d <- proteomics[proteomics$analysis_set == set & proteomics$group == g$group & proteomics$assay == point$assay &
                      proteomics$uniprot == point$uniProt &
                      (if (is.na(panel)) is.na(proteomics$panel) else proteomics$panel %in% panel), ]
    add(set, paste("proteomics", g$group), point$assay, point$pValue, t.test(d$post, d$pre, paired = TRUE)$p.value)
  }
}

# Deep in the tail a p-value magnifies the error of its statistic: for p = pf(F, d1, d2) the
# relative change of p is about |d ln p / d ln F| (> 100 when p < 1e-10) times that of F. There
# the p-values are compared as -log10(p), next to the F statistic and DenDF compared directly.
deep <- checks$analysis == "mixed-model" & checks$r < 1e-10
checks$relative <- abs(checks$dayzero - checks$r) / pmax(abs(checks$r), 1e-300)
checks$relative[deep] <- abs(log10(checks$dayzero[deep]) - log10(checks$r[deep])) / abs(log10(checks$r[deep]))
checks$relative[checks$dayzero == checks$r] <- 0
bad <- checks[!(checks$relative <= tolerance), ]
if (!is.null(jsonFile)) {
  # R's values for the Swift parity test; the DayZero values are not written (the test
  # recomputes them). Numbers as %.17g (jsonlite rounds to 15 significant digits), text
  # escaped by jsonlite.
  str <- function(x) as.character(toJSON(x, auto_unbox = TRUE))
  num <- function(x) if (is.finite(x)) sprintf("%.17g", x) else "null"
  versions <- vapply(c("survival", "cmprsk", "lme4", "lmerTest", "MatchIt", "survey"),
                     function(p) as.character(packageVersion(p)), "")
  values <- vapply(seq_len(nrow(checks)), function(i)
    sprintf('    {"set": %s, "analysis": %s, "id": %s, "r": %s}', str(checks$set[i]), str(checks$analysis[i]),
            str(checks$id[i]), num(checks$r[i])), "")
  matched <- vapply(pairs, function(x)
    sprintf('    {"set": %s, "treated": %s, "controls": %s}', str(x$set), str(x$treated), str(x$controls)), "")
  writeLines(c(
    "{",
    '  "generator": "scripts/recompute.R --json",',
    sprintf('  "r": %s,', str(R.version.string)),
    sprintf('  "packages": {%s},', paste(sprintf("%s: %s", vapply(names(versions), str, ""), vapply(versions, str, "")), collapse = ", ")),
    sprintf('  "tolerance": %s,', format(tolerance)),
    sprintf('  "count": %d,', nrow(checks)),
    '  "values": [', paste(values, collapse = ",\n"), "  ],",
    '  "matchingPairs": [', paste(matched, collapse = ",\n"), "  ]",
    "}"), jsonFile)
  cat(sprintf("Wrote %d R values and %d MatchIt pairs to %s\n", nrow(checks), length(pairs), jsonFile))
}
for (a in unique(checks$analysis)) {
  x <- checks[checks$analysis == a, ]
  cat(sprintf("%-22s %5d values, largest relative difference %.3g\n", a, nrow(x), max(x$relative)))
}
if (nrow(bad) > 0) {
  cat(sprintf("\n%d p-value(s) differ by more than %g:\n", nrow(bad), tolerance))
  print(bad, digits = 17, row.names = FALSE)
  quit(status = 1)
}
if (skipped > 0) cat(sprintf("\n%d test(s) have no p-value in results.json (see its warnings) and were not compared.\n", skipped))
cat(sprintf("\nAll %d values (p-values, statistics, matching) agree with R to %g relative.\n", nrow(checks), tolerance))
