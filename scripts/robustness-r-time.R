#!/usr/bin/env Rscript
# R side of `dayzero-bench robustness --with-r`: the headline results of ONE specification
# refitted in R from DayZero's exports of it (DIR: results.json, aligned_long.csv,
# outcomes.csv, table1_values.csv of a protocol with the analysed set alone), the way an R user
# running the specification curve would do each specification:
#   kinetics and cytokines  lmerTest::lmer(analysed_value ~ factor(day) * group + (1 | patient))
#                           by REML (lme4's default control), anova(type = 3), for the whole
#                           window, before and after day 0;
#   outcome effects         survival::coxph(Surv(time, event) ~ group) for each time-to-event and
#                           duration outcome, fisher.test for each binary outcome;
#   Table 1 alignment rows  wilcox.test.
# The derivation (alignment, daily values, SOFA, imputation) is not redone: the time is a lower
# bound of R's time per specification. Prints `refit_seconds S` and `count <what> <n>`.
#   Rscript scripts/robustness-r-time.R DIR
suppressPackageStartupMessages({
  library(jsonlite)
  library(lmerTest)
  library(survival)
})
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1) stop("usage: Rscript scripts/robustness-r-time.R DIR")
dir <- args[1]
read <- function(name) read.csv(file.path(dir, name), stringsAsFactors = FALSE, na.strings = "")
design <- fromJSON(file.path(dir, "results.json"), simplifyVector = FALSE)
long <- read("aligned_long.csv")
outcomes <- read("outcomes.csv")
table1 <- read("table1_values.csv")
t0 <- proc.time()[["elapsed"]]
set <- design$analysisSets[[1]]
fits <- 0
for (panel in c(set$kinetics, set$cytokines)) for (w in c("overall", "pre", "post")) {
  test <- panel[[w]]
  if (is.null(test)) next
  d <- long[long$analysis_set == set$id & long$parameter == panel$parameter & long$timepoint == "daily" &
              long$aligned_day >= test$firstDay & long$aligned_day <= test$lastDay, ]
  d$group <- factor(d$group, levels = c("control", "treated"))
  d$day <- factor(d$aligned_day)
  fit <- suppressWarnings(suppressMessages(lmer(analysed_value ~ day * group + (1 | patient_id), data = d, REML = TRUE)))
  a <- anova(fit, type = 3)
  fits <- fits + 1
}
effects <- 0
for (m in set$outcomeMeasures) {
  d <- outcomes[outcomes$analysis_set == set$id & outcomes$curve == m$name, ]
  d$group <- factor(d$group, levels = c("control", "treated"))
  if (m$kind == "binary") {
    d <- d[!is.na(d$event), ]
    p <- fisher.test(table(d$event, d$group))$p.value
  } else if (m$kind %in% c("time_to_event", "duration")) {
    d <- d[!is.na(d$time), ]
    fit <- coxph(Surv(time, event > 0) ~ group, data = d)
    p <- summary(fit)$coefficients[1, 5]
  } else next
  effects <- effects + 1
}
rows <- 0
for (id in unique(table1$row_id[startsWith(table1$row_id, "alignment.")])) {
  d <- table1[table1$analysis_set == set$id & table1$row_id == id & !is.na(table1$value), ]
  v <- as.numeric(d$value)
  p <- suppressWarnings(wilcox.test(v[d$group == "treated"], v[d$group == "control"])$p.value)
  rows <- rows + 1
}
cat(sprintf("refit_seconds %.3f\n", proc.time()[["elapsed"]] - t0))
cat(sprintf("count mixed_models %d\ncount outcome_effects %d\ncount table1_rows %d\n", fits, effects, rows))
