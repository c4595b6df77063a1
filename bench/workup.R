#!/usr/bin/env Rscript
# R side of `dayzero-bench pipeline --with-r`: the workup DayZero's `StudyAnalysis` does, done
# the way an R user would do it, on DayZero's tidy exports (`dayzero report --out DIR`), timed.
#
#   Rscript bench/workup.R DIR
#
# For every analysis set in DIR/results.json (main + the three sensitivity sets):
#   Table 1      median [IQR] + Mann-Whitney (wilcox.test) per continuous row; n (%) + Fisher per
#                count row;
#   kinetics and cytokines
#                geometric mean with 95% CI per group per day; lmerTest::lmer(log value ~ day *
#                group + (1 | patient)) by REML with lme4's DEFAULT control, anova(type = 3)
#                (Satterthwaite), for the whole window, before and after day 0;
#   proteomics   per group and assay: mean post-pre (log2 fold change) and paired t.test;
#   medication   Fisher per drug and period;
#   outcomes     Fisher (secondary infection, 28-day mortality), median [IQR] + Mann-Whitney
#                (ventilation days, ICU stay), survfit Kaplan-Meier + survdiff log-rank per curve;
#   matching     for the propensity-matched set: matchit(treat ~ covariates, method = "nearest",
#                distance = "glm") + summary() balance (the pairs themselves are those DayZero
#                exported; this times the call, not a reproduction of them).
# results.json is read only for the design (which sets, panels, windows, covariates) — what a
# protocol script would hard-code. Prints `read_seconds`, `workup_seconds`, `peak_mib` and
# `count <what> <n>` lines for the harness.

suppressPackageStartupMessages({
  library(jsonlite)
  library(lmerTest)
  library(survival)
  library(MatchIt)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1) stop("usage: Rscript bench/workup.R DIR")
dir <- args[1]

t0 <- proc.time()[["elapsed"]]
read <- function(name) read.csv(file.path(dir, name), stringsAsFactors = FALSE, na.strings = "")
design <- fromJSON(file.path(dir, "results.json"), simplifyVector = FALSE)
long <- read("aligned_long.csv")
table1 <- read("table1_values.csv")
outcomes <- read("outcomes.csv")
medication <- read("medication_use.csv")
proteomics <- read("proteomics_pairs.csv")
matching <- read("matching.csv")
t1 <- proc.time()[["elapsed"]]
planned <- sum(vapply(design$analysisSets, function(s) sum(vapply(c(s$kinetics, s$cytokines),
  function(p) sum(!vapply(p[c("overall", "pre", "post")], is.null, TRUE)), 0)), 0))
message(sprintf("planned %d", planned))

fisher2x2 <- function(treated, control) {
  tab <- matrix(c(sum(treated == 1), sum(treated == 0), sum(control == 1), sum(control == 0)), 2, byrow = TRUE)
  fisher.test(tab)$p.value
}
summary2 <- function(x) c(quantile(x, c(0.25, 0.5, 0.75), na.rm = TRUE), n = sum(!is.na(x)))
mannWhitney <- function(tr, co) suppressWarnings(wilcox.test(tr, co)$p.value)
geoMean <- function(v) {
  v <- v[!is.na(v)]
  n <- length(v)
  if (n < 2) return(c(n, NA, NA, NA))
  m <- mean(v); h <- qt(0.975, n - 1) * sd(v) / sqrt(n)
  c(n, m, m - h, m + h)
}

models <- 0; tests <- 0
out <- list()
for (s in design$analysisSets) {
  set <- s$id
  res <- list()

  if (!is.null(s$matching)) {
    d <- matching[matching$analysis_set == set & matching$missing_covariate == 0, ]
    f <- reformulate(vapply(s$matching$covariates, function(c) c$column, ""), response = "treat")
    m <- matchit(f, data = d, method = "nearest", distance = "glm",
                 ratio = s$matching$ratio, replace = s$matching$replace)
    res$balance <- summary(m, un = TRUE)
  }

  # Table 1.
  t1set <- table1[table1$analysis_set == set & !is.na(table1$value), ]
  for (rid in unique(t1set$row_id)) {
    d <- t1set[t1set$row_id == rid, ]
    tr <- d$value[d$group == "treated"]; co <- d$value[d$group == "control"]
    if (length(tr) == 0 || length(co) == 0) next
    if (d$kind[1] == "count") {
      res[[paste("t1", rid)]] <- list(sum(tr), sum(co), fisher2x2(tr, co))
    } else {
      res[[paste("t1", rid)]] <- list(summary2(tr), summary2(co), mannWhitney(tr, co))
    }
    tests <- tests + 1
  }

  # Kinetics and cytokines.
  lset <- long[long$analysis_set == set, ]
  for (panel in c(s$kinetics, s$cytokines)) {
    p <- lset[lset$parameter == panel$parameter & lset$timepoint == "daily", ]
    res[[paste("gm", panel$parameter)]] <- aggregate(analysed_value ~ group + aligned_day, data = p, FUN = geoMean)
    for (w in c("overall", "pre", "post")) {
      test <- panel[[w]]
      if (is.null(test)) next
      d <- p[p$aligned_day >= test$firstDay & p$aligned_day <= test$lastDay, ]
      d$day <- factor(d$aligned_day)
      d$group <- factor(d$group, levels = c("control", "treated"))
      fit <- suppressWarnings(suppressMessages(
        lmer(analysed_value ~ day * group + (1 | patient_id), data = d, REML = TRUE)))
      res[[paste("lmm", panel$parameter, w)]] <- anova(fit, type = 3)["day:group", ]
      models <- models + 1
      message(sprintf("progress %d %.3f", models, proc.time()[["elapsed"]] - t1))
    }
  }

  # Proteomics: post vs pre per group and assay.
  pset <- proteomics[proteomics$analysis_set == set, ]
  for (g in unique(pset$group)) for (a in unique(pset$assay)) {
    d <- pset[pset$group == g & pset$assay == a & !is.na(pset$pre) & !is.na(pset$post), ]
    if (nrow(d) < 2) next
    res[[paste("prot", g, a)]] <- c(mean(d$post - d$pre), t.test(d$post, d$pre, paired = TRUE)$p.value)
    tests <- tests + 1
  }

  # Medication.
  mset <- medication[medication$analysis_set == set, ]
  for (drug in unique(mset$drug)) for (period in unique(mset$period)) {
    d <- mset[mset$drug == drug & mset$period == period, ]
    res[[paste("med", drug, period)]] <- fisher2x2(d$used[d$group == "treated"], d$used[d$group == "control"])
    tests <- tests + 1
  }

  # Outcomes.
  oset <- outcomes[outcomes$analysis_set == set, ]
  for (curve in unique(oset$curve)) {
    d <- oset[oset$curve == curve, ]
    tr <- d$group == "treated"
    if (curve %in% c("secondary_infection", "mortality")) {
      res[[paste("fisher", curve)]] <- fisher2x2(d$event[tr], d$event[!tr]); tests <- tests + 1
    }
    if (curve %in% c("ventilation", "icu_stay")) {
      res[[paste("mw", curve)]] <- list(summary2(d$days[tr]), summary2(d$days[!tr]), mannWhitney(d$days[tr], d$days[!tr]))
      tests <- tests + 1
    }
    if (curve %in% c("ventilation", "icu_stay", "mortality")) {
      res[[paste("km", curve)]] <- summary(survfit(Surv(time, event) ~ group, data = d), times = 0:28, extend = TRUE)
      sd <- survdiff(Surv(time, event) ~ group, data = d)
      res[[paste("logrank", curve)]] <- pchisq(sd$chisq, length(sd$n) - 1, lower.tail = FALSE)
      tests <- tests + 1
    }
  }
  out[[set]] <- res
}
t2 <- proc.time()[["elapsed"]]

peak <- NA
status <- tryCatch(readLines("/proc/self/status"), error = function(e) character())
hwm <- grep("^VmHWM:", status, value = TRUE)
if (length(hwm) == 1) peak <- as.numeric(gsub("[^0-9]", "", hwm)) / 1024
cat(sprintf("count sets %d\ncount mixed_models %d\ncount other_tests %d\n", length(out), models, tests))
cat(sprintf("read_seconds %.3f\nworkup_seconds %.3f\npeak_mib %.0f\n", t1 - t0, t2 - t1, peak))
