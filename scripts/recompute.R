#!/usr/bin/env Rscript
# Recomputes in R every p-value of a DayZero results.json from the tidy exports written beside
# it (`dayzero analyze --out DIR`), and compares them.
#
#   Rscript scripts/recompute.R DIR [TOLERANCE]
#
# TOLERANCE is relative (default 1e-6). Exit status 0 when every p-value agrees, 1 otherwise.
# Needs: jsonlite, lme4, lmerTest, survival, MatchIt (Debian: r-cran-jsonlite r-cran-lmertest
# r-cran-survival r-cran-matchit).
# The R call used for each test is the one docs/methods.md names as DayZero's reference.

suppressPackageStartupMessages({
  library(jsonlite)
  library(lmerTest)
  library(splines)
  library(survival)
  library(MatchIt)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) stop("usage: Rscript scripts/recompute.R DIR [TOLERANCE]")
dir <- args[1]
tolerance <- if (length(args) >= 2) as.numeric(args[2]) else 1e-6

# Patient ids stay text ("007" and "7" are different patients).
read <- function(name) read.csv(file.path(dir, name), stringsAsFactors = FALSE, na.strings = "",
                                colClasses = c(patient_id = "character"))
results <- fromJSON(file.path(dir, "results.json"), simplifyVector = FALSE)
long <- read("aligned_long.csv")
table1 <- read("table1_values.csv")
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

for (s in results$analysisSets) {
  set <- s$id
  if (!is.null(s$matching)) checkMatching(s)

  # Table 1: Fisher for count rows, Mann-Whitney for continuous rows.
  for (section in s$table1$sections) for (row in section$rows) {
    if (is.null(row$pValue)) { skipped <- skipped + 1; next }
    d <- table1[table1$analysis_set == set & table1$row_id == row$id & !is.na(table1$value), ]
    tr <- d$value[d$group == "treated"]
    co <- d$value[d$group == "control"]
    p <- if (row$test == "fisher") fisher2x2(tr, co) else mannWhitney(tr, co)
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

  # Outcomes.
  o <- s$outcomes
  oc <- outcomes[outcomes$analysis_set == set, ]
  pick <- function(curve) oc[oc$curve == curve, ]
  si <- pick("secondary_infection")
  add(set, "outcome", "secondary_infection", o$secondaryInfection$pValue,
      fisher2x2(si$event[si$group == "treated"], si$event[si$group == "control"]))
  mo <- pick("mortality")
  # Alive but followed for less than the horizon: unknown, not a survivor.
  mo$died <- ifelse(mo$event == 1, 1, ifelse(mo$time < o$horizonDays, NA, 0))
  mo_known <- mo[!is.na(mo$died), ]
  add(set, "outcome", "mortality (Fisher)", o$mortality$pValue,
      fisher2x2(mo_known$died[mo_known$group == "treated"], mo_known$died[mo_known$group == "control"]))
  ve <- pick("ventilation")
  if (!is.null(o$ventilationDays$pValue))
    add(set, "outcome", "ventilation days", o$ventilationDays$pValue,
        mannWhitney(ve$days[ve$group == "treated"], ve$days[ve$group == "control"]))
  ic <- pick("icu_stay")
  if (!is.null(o$icuLengthOfStay$pValue))
    add(set, "outcome", "ICU length of stay", o$icuLengthOfStay$pValue,
        mannWhitney(ic$days[ic$group == "treated"], ic$days[ic$group == "control"]))
  for (curve in list(list("ventilation", o$ventilationCurve), list("icu_stay", o$icuStayCurve), list("mortality", o$mortalityCurve))) {
    if (is.null(curve[[2]]$logRankP)) next
    add(set, "log-rank", curve[[1]], curve[[2]]$logRankP, logRank(pick(curve[[1]])))
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
