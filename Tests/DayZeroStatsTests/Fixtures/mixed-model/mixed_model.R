# Reference values for DayZeroStats' linear mixed model (REML, random intercept per subject).
# Run from this directory:  Rscript mixed_model.R   (writes mixed_model.json)
# R 4.2.2, lme4 1.1-31, lmerTest 3.1-3, pbkrtest 0.5.2, nlme (Orthodont).
#
# Every case records the data, lme4's estimates, lmerTest's summary (Satterthwaite),
# anova(type = 3) with its hypothesis matrices, and the Kenward-Roger versions (pbkrtest).
# The reference fit uses BOBYQA with rhoend = 1e-12 so that theta is as converged as a
# value-only optimiser gets (about 1e-8 relative); theta from the default lmer() call is
# recorded too, to document how far the default stops from the optimum.
suppressPackageStartupMessages({
  library(lme4)
  library(lmerTest)
  library(pbkrtest)
})

num <- function(x) {
  if (length(x) == 0) return("[]")
  s <- ifelse(is.na(x), "null",
       ifelse(is.infinite(x), ifelse(x > 0, "\"Infinity\"", "\"-Infinity\""),
              sprintf("%.17g", x)))
  s
}
to_json <- function(x, indent = "") {
  inner <- paste0(indent, "  ")
  if (is.null(x)) return("null")
  if (is.list(x)) {
    if (!is.null(names(x)) && length(x) > 0) {
      items <- vapply(names(x), function(n) paste0(inner, "\"", n, "\": ", to_json(x[[n]], inner)), "")
      return(paste0("{\n", paste(items, collapse = ",\n"), "\n", indent, "}"))
    }
    if (length(x) == 0) return("[]")
    items <- vapply(x, function(v) paste0(inner, to_json(v, inner)), "")
    return(paste0("[\n", paste(items, collapse = ",\n"), "\n", indent, "]"))
  }
  if (is.matrix(x)) {
    rows <- lapply(seq_len(nrow(x)), function(i) unname(x[i, ]))
    return(to_json(rows, indent))
  }
  if (is.character(x) || is.factor(x)) {
    x <- as.character(x)
    s <- ifelse(is.na(x), "null", paste0("\"", gsub("\"", "\\\\\"", x), "\""))
    if (length(s) == 1 && !isTRUE(attr(x, "array"))) return(s)
    return(paste0("[", paste(s, collapse = ", "), "]"))
  }
  if (is.logical(x)) {
    s <- ifelse(is.na(x), "null", ifelse(x, "true", "false"))
    if (length(s) == 1) return(s)
    return(paste0("[", paste(s, collapse = ", "), "]"))
  }
  s <- num(as.numeric(x))
  if (length(s) == 1 && !isTRUE(attr(x, "array"))) return(s)
  paste0("[", paste(s, collapse = ", "), "]")
}
arr <- function(x) { attr(x, "array") <- TRUE; x }

tight <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhobeg = 0.2, rhoend = 1e-12))

record <- function(name, description, data, formula, design, extra = list()) {
  fit <- lmer(formula, data = data, REML = TRUE, control = tight)
  fit_default <- lmer(formula, data = data, REML = TRUE)
  s <- summary(fit)$coefficients
  vc <- as.data.frame(VarCorr(fit))
  a3 <- anova(fit, type = 3)
  hyp <- attr(a3, "hypotheses")
  kr_coef <- tryCatch(summary(fit, ddf = "Kenward-Roger")$coefficients, error = function(e) NULL)
  kr_a3 <- tryCatch(anova(fit, type = 3, ddf = "Kenward-Roger"), error = function(e) NULL)
  anova_rows <- function(tab) {
    if (is.null(tab) || nrow(tab) == 0) return(list())
    lapply(seq_len(nrow(tab)), function(i) list(
      term = rownames(tab)[i], sumSq = tab[i, "Sum Sq"], meanSq = tab[i, "Mean Sq"],
      numDF = tab[i, "NumDF"], denDF = tab[i, "DenDF"], F = tab[i, "F value"], p = tab[i, "Pr(>F)"]))
  }
  coef_rows <- function(tab) {
    if (is.null(tab)) return(list())
    lapply(seq_len(nrow(tab)), function(i) list(
      name = rownames(tab)[i], estimate = tab[i, "Estimate"], se = tab[i, "Std. Error"],
      df = tab[i, "df"], t = tab[i, "t value"], p = tab[i, "Pr(>|t|)"]))
  }
  lt <- as_lmerModLmerTest(fit)
  list(
    name = name,
    description = description,
    design = design,
    data = data_json(data),
    expected = list(
      theta = unname(getME(fit, "theta")),
      thetaDefaultControl = unname(getME(fit_default, "theta")),
      sigma2 = sigma(fit)^2,
      subjectVariance = vc$vcov[vc$grp == "subject"],
      logLikREML = as.numeric(logLik(fit, REML = TRUE)),
      isSingular = isSingular(fit),
      nobs = nobs(fit),
      coefficientNames = arr(colnames(model.matrix(fit))),
      coefficients = coef_rows(s),
      vcov = unname(as.matrix(vcov(fit))),
      vcovVarpar = unname(lt@vcov_varpar),
      anovaTypeIII = anova_rows(a3),
      hypotheses = lapply(hyp, function(L) { if (nrow(L) == 0) list() else unname(L) }),
      kenwardRogerCoefficients = coef_rows(kr_coef),
      kenwardRogerAnovaTypeIII = anova_rows(kr_a3)
    )
  )
}

data_json <- function(d) {
  out <- list(y = arr(d$y), subject = arr(as.character(d$subject)))
  if (!is.null(d$day)) {
    out$day <- arr(as.character(d$day))
    out$dayLevels <- arr(levels(d$day))
  }
  if (!is.null(d$group)) {
    out$group <- arr(as.character(d$group))
    out$groupLevels <- arr(levels(d$group))
  }
  if (!is.null(d$x)) out$x <- arr(d$x)
  out
}

cases <- list()

# 1. sleepstudy, Days numeric: Reaction ~ Days + (1 | Subject)
ss <- lme4::sleepstudy
d1 <- data.frame(y = ss$Reaction, subject = factor(ss$Subject), x = ss$Days)
cases[[length(cases) + 1]] <- record(
  "sleepstudy-numeric", "lme4::sleepstudy, Reaction ~ Days + (1 | Subject), Days numeric",
  d1, y ~ x + (1 | subject), "numeric")

# 2. sleepstudy, Days as a factor: one term, so lmerTest's type III falls back to type I.
d2 <- data.frame(y = ss$Reaction, subject = factor(ss$Subject), day = factor(ss$Days))
cases[[length(cases) + 1]] <- record(
  "sleepstudy-factor", "lme4::sleepstudy, Reaction ~ factor(Days) + (1 | Subject)",
  d2, y ~ day + (1 | subject), "factor")

# 3. nlme::Orthodont, age as factor crossed with Sex (balanced, 27 subjects x 4 ages).
or <- nlme::Orthodont
d3 <- data.frame(y = or$distance, subject = factor(as.character(or$Subject)),
                 day = factor(or$age), group = factor(as.character(or$Sex), levels = c("Male", "Female")))
cases[[length(cases) + 1]] <- record(
  "orthodont-crossed", "nlme::Orthodont, distance ~ factor(age) * Sex + (1 | Subject)",
  d3, y ~ day * group + (1 | subject), "crossed")

# Seeded day x group designs.
simulate <- function(seed, sizes, days, pmiss, sd_b, sd_e, n_na = 0, offset = 10,
                     drop_cell = NULL) {
  set.seed(seed)
  groups <- names(sizes)
  n_sub <- sum(sizes)
  grp <- rep(groups, sizes)
  b <- rnorm(n_sub, 0, sd_b)
  rows <- expand.grid(day = days, sid = seq_len(n_sub))
  rows$group <- grp[rows$sid]
  di <- match(rows$day, days)
  gi <- match(rows$group, groups)
  rows$y <- offset + 0.4 * di - 0.05 * di^2 + 0.6 * (gi - 1) * (di > length(days) / 2) +
            b[rows$sid] + rnorm(nrow(rows), 0, sd_e)
  keep <- runif(nrow(rows)) > pmiss
  if (!is.null(drop_cell)) keep <- keep & !(rows$day == drop_cell$day & rows$group == drop_cell$group)
  rows <- rows[keep, ]
  if (n_na > 0) rows$y[sample(nrow(rows), n_na)] <- NA
  rows <- rows[sample(nrow(rows)), ]   # unsorted input
  data.frame(y = rows$y, subject = factor(sprintf("p%03d", rows$sid)),
             day = factor(rows$day, levels = days), group = factor(rows$group, levels = groups))
}

d4 <- simulate(101, c(A = 23, B = 17), -2:4, 0.2, 1.5, 1.0, n_na = 3)
cases[[length(cases) + 1]] <- record(
  "random-unbalanced", "seed 101: 23 + 17 subjects, days -2..4, 20% missing days, 3 NA responses, unsorted",
  d4, y ~ day * group + (1 | subject), "crossed")

d5 <- simulate(202, c(control = 28, treated = 2), 0:5, 0.15, 1.0, 0.8)
cases[[length(cases) + 1]] <- record(
  "random-tiny-group", "seed 202: 28 controls, 2 treated, days 0..5, 15% missing",
  d5, y ~ day * group + (1 | subject), "crossed")

# Singular: no subject effect; the first seed from 303 where lme4 puts theta on the boundary.
seed <- 303
repeat {
  d6 <- simulate(seed, c(A = 12, B = 10), 1:5, 0.1, 0, 1.0)
  f6 <- lmer(y ~ day * group + (1 | subject), data = d6, control = tight)
  if (getME(f6, "theta") == 0) break
  seed <- seed + 1
}
cases[[length(cases) + 1]] <- record(
  "random-singular", sprintf("seed %d: no subject effect, lme4 returns theta = 0 (singular fit)", seed),
  d6, y ~ day * group + (1 | subject), "crossed")

d7 <- simulate(404, c(A = 10, B = 12, C = 8), 1:6, 0.2, 1.2, 1.0)
cases[[length(cases) + 1]] <- record(
  "random-three-groups", "seed 404: three groups 10/12/8, days 1..6, 20% missing (1/3 weights in type III)",
  d7, y ~ day * group + (1 | subject), "crossed")

d8 <- simulate(505, c(A = 15, B = 10), 1:5, 0.1, 1.0, 1.0, drop_cell = list(day = 5, group = "B"))
cases[[length(cases) + 1]] <- record(
  "random-missing-cell", "seed 505: day 5 never observed in group B (rank-deficient X, missing cell)",
  d8, y ~ day * group + (1 | subject), "crossed")

d9 <- simulate(606, c(A = 20, B = 20), 1:21, 0.3, 0.7, 0.5, offset = 5000)
cases[[length(cases) + 1]] <- record(
  "random-21-days-offset", "seed 606: 20 + 20 subjects, days 1..21, 30% missing, response offset 5000",
  d9, y ~ day * group + (1 | subject), "crossed")

writeLines(to_json(list(
  generator = "mixed_model.R",
  r = R.version.string,
  packages = list(lme4 = as.character(packageVersion("lme4")),
                  lmerTest = as.character(packageVersion("lmerTest")),
                  pbkrtest = as.character(packageVersion("pbkrtest"))),
  cases = cases)), "mixed_model.json")
