# lme4 + lmerTest side of `dayzero-bench lmm --with-r`.
#   Rscript bench/lmm.R <data.csv> <result.txt>
# Reads the data written by the Swift benchmark (patient, day, group, y), fits
# y ~ day * group + (1 | patient) by REML with lmerTest::lmer (default control), and times
# the fit plus anova(type = 3) (Satterthwaite) plus summary(); the CSV read is not timed.
# Writes "key value" lines: seconds, theta, sigma2, logLik, F:/DenDF:/p:<term>,
# estimate:/se:/df:<coefficient>.
args <- commandArgs(trailingOnly = TRUE)
stopifnot(length(args) == 2)
suppressPackageStartupMessages(library(lmerTest))
d <- read.csv(args[1], colClasses = c("integer", "integer", "character", "numeric"))
d$day <- factor(d$day, levels = sort(unique(d$day)))
d$group <- factor(d$group, levels = c("control", "treated"))
d$patient <- factor(d$patient)
t0 <- proc.time()[["elapsed"]]
fit <- lmer(y ~ day * group + (1 | patient), data = d, REML = TRUE)
a3 <- anova(fit, type = 3)
co <- summary(fit)$coefficients
seconds <- proc.time()[["elapsed"]] - t0
out <- c(
  sprintf("seconds %.6f", seconds),
  sprintf("theta %.17g", getME(fit, "theta")),
  sprintf("sigma2 %.17g", sigma(fit)^2),
  sprintf("logLik %.17g", as.numeric(logLik(fit))),
  sprintf("F:%s %.17g", rownames(a3), a3[["F value"]]),
  sprintf("DenDF:%s %.17g", rownames(a3), a3[["DenDF"]]),
  sprintf("p:%s %.17g", rownames(a3), a3[["Pr(>F)"]]),
  sprintf("estimate:%s %.17g", rownames(co), co[, "Estimate"]),
  sprintf("se:%s %.17g", rownames(co), co[, "Std. Error"]),
  sprintf("df:%s %.17g", rownames(co), co[, "df"]))
writeLines(out, args[2])
