# Reference values for DayZero's propensity-score weighting (Sources/DayZeroStats/Weighting).
# WeightIt and cobalt are not installable here (Debian + PyPI only), so their documented
# formulas are written out in base R (WeightIt::get_w_from_ps, WeightIt's .trim_weights with
# quantile(type = 3), WeightIt::ESS, cobalt's bal.tab mean differences); the outcomes use
# survival (survfit, coxph) and survey (svyglm, regTermTest).
# Run from this folder: Rscript weighting.R   (writes weighting.json; survival >= 3.0, survey >= 4.0)
suppressMessages({ library(survival); library(survey); library(jsonlite) })

# WeightIt::weightit(method = "glm") without stabilisation or normalisation.
weights_of <- function(p, treat, estimand) {
  switch(estimand,
    ATT = ifelse(treat == 1, 1, p / (1 - p)),
    ATE = ifelse(treat == 1, 1 / p, 1 / (1 - p)),
    ATO = ifelse(treat == 1, 1 - p, p))
}
# WeightIt's trim(w, at) for at in (0.5, 1), lower = FALSE: the weights of the non-focal units
# (all units for ATE/ATO; the controls for the ATT, whose treated weights are all 1) above
# their quantile(type = 3) at `at` are set to it.
trim_of <- function(w, treat, estimand, at) {
  sel <- if (estimand == "ATT") treat == 0 else rep(TRUE, length(w))
  q <- unname(quantile(w[sel], probs = at, type = 3))
  w[sel & w > q] <- q
  list(w = w, cap = q)
}
ess <- function(w) sum(w)^2 / sum(w^2)
summary_of <- function(w) {
  q <- unname(quantile(w, c(0, .25, .5, .75, 1)))
  list(min = q[1], q1 = q[2], median = q[3], q3 = q[4], max = q[5], sum = sum(w), ess = ess(w), n = length(w))
}
# cobalt::bal.tab mean differences: binary (two values) as a raw difference in proportions;
# others standardised by the unweighted SD of the treated (ATT) or sqrt((s1^2 + s0^2)/2) (ATE, ATO).
balance_of <- function(X, treat, w, estimand) {
  lapply(colnames(X), function(v) {
    x <- X[, v]
    binary <- length(unique(x)) == 2
    if (binary) x <- as.numeric(x != min(x))
    s1 <- sd(x[treat == 1]); s0 <- sd(x[treat == 0])
    denom <- if (estimand == "ATT") s1 else sqrt((s1^2 + s0^2) / 2)
    m <- function(ww, g) weighted.mean(x[treat == g], ww[treat == g])
    ones <- rep(1, length(x))
    before <- m(ones, 1) - m(ones, 0); after <- m(w, 1) - m(w, 0)
    if (!binary) { before <- before / denom; after <- after / denom }
    list(name = v, binary = binary, treated_before = m(ones, 1), control_before = m(ones, 0),
         treated_after = m(w, 1), control_after = m(w, 0), before = before, after = after)
  })
}

set.seed(20261204)
n <- 70
age <- round(rnorm(n, 62, 11))
sex <- rbinom(n, 1, 0.7)
bmi <- round(rnorm(n, 28, 4), 1)
treat <- rbinom(n, 1, plogis(-0.5 + 0.04 * (age - 62) + 0.5 * sex - 0.1 * (bmi - 28)))
X <- cbind(age = age, sex_male = sex, bmi = bmi)
fit <- glm(treat ~ age + sex_male + bmi, family = binomial, data = data.frame(treat, X))
p <- unname(fitted(fit))

# Outcomes: a time to event (days, ties), a binary outcome, daily values on days -3..3.
time <- pmin(round(rexp(n, 0.05 * exp(0.3 * treat - 0.02 * (age - 62))) + 1), 28)
status <- as.integer(time < 28 & runif(n) < 0.85)
died <- rbinom(n, 1, plogis(-1 + 0.5 * treat + 0.03 * (age - 62)))
long <- do.call(rbind, lapply(seq_len(n), function(i) {
  days <- -3:3
  keep <- runif(length(days)) > 0.15
  data.frame(patient = i, day = days[keep],
             y = 1 + 0.2 * treat[i] * pmax(days[keep], 0) + 0.01 * age[i] + rnorm(sum(keep), 0, 0.6) + rnorm(1, 0, 0.5),
             treated = treat[i])
}))
long$group <- factor(ifelse(long$treated == 1, "treated", "control"), levels = c("control", "treated"))

estimands <- list()
for (e in c("ATT", "ATE", "ATO")) {
  w <- weights_of(p, treat, e)
  tr <- trim_of(w, treat, e, 0.9)
  d <- data.frame(time, status, treat, died, w)
  km <- survfit(Surv(time, status) ~ treat, data = d, weights = w)
  sk <- summary(km, censored = TRUE)
  cox <- coxph(Surv(time, status) ~ treat, data = d, weights = w, robust = TRUE)
  cs <- summary(cox)
  des <- svydesign(ids = ~1, weights = ~w, data = d)
  rd <- svyglm(died ~ treat, design = des, family = gaussian())
  rds <- summary(rd)$coefficients
  ci <- confint(rd)
  orf <- svyglm(died ~ treat, design = des, family = quasibinomial())
  ors <- summary(orf)$coefficients
  orci <- confint(orf)
  long$w <- w[long$patient]
  kin <- function(first, last) {
    sub <- long[long$day >= first & long$day <= last, ]
    ld <- svydesign(ids = ~patient, weights = ~w, data = sub)
    m <- svyglm(y ~ factor(day) * group, design = ld)
    t1 <- regTermTest(m, ~factor(day):group)
    t2 <- regTermTest(m, ~group + factor(day):group)
    list(first = first, last = last, coef = unname(coef(m)), se = unname(sqrt(diag(vcov(m)))),
         df_residual = m$df.residual,
         interaction_f = unname(t1$Ftest[1]), interaction_df = t1$df, interaction_ddf = t1$ddf, interaction_p = unname(t1$p[1]),
         group_f = unname(t2$Ftest[1]), group_df = t2$df, group_ddf = t2$ddf, group_p = unname(t2$p[1]))
  }
  estimands[[e]] <- list(
    estimand = e, weights = w,
    trimmed_weights = tr$w, trim_cap = tr$cap,
    treated_summary = summary_of(w[treat == 1]), control_summary = summary_of(w[treat == 0]),
    trimmed_treated_summary = summary_of(tr$w[treat == 1]), trimmed_control_summary = summary_of(tr$w[treat == 0]),
    balance = balance_of(X, treat, w, e),
    km = lapply(c(0, 1), function(g) {
      s <- sk$strata == paste0("treat=", g)
      list(treated = g == 1, time = sk$time[s], n_risk = sk$n.risk[s], n_event = sk$n.event[s],
           surv = sk$surv[s], std_err = sk$std.err[s])
    }),
    cox_coef = unname(coef(cox)), cox_robust_se = unname(cs$coefficients[, "robust se"]),
    cox_se = unname(cs$coefficients[, "se(coef)"]), cox_p = unname(cs$coefficients[, "Pr(>|z|)"]),
    cox_lower = unname(cs$conf.int[, "lower .95"]), cox_upper = unname(cs$conf.int[, "upper .95"]),
    rd = unname(rds["treat", "Estimate"]), rd_se = unname(rds["treat", "Std. Error"]), rd_p = unname(rds["treat", "Pr(>|t|)"]),
    rd_df = rd$df.residual, rd_lower = unname(ci["treat", 1]), rd_upper = unname(ci["treat", 2]),
    or = exp(unname(ors["treat", "Estimate"])), or_se = unname(ors["treat", "Std. Error"]), or_p = unname(ors["treat", "Pr(>|t|)"]),
    or_df = orf$df.residual, or_lower = exp(unname(orci["treat", 1])), or_upper = exp(unname(orci["treat", 2])),
    kinetics = list(kin(-3, 3), kin(-3, 0), kin(0, 3)))
}
long$w <- NULL
out <- list(
  note = "weighting.R: WeightIt glm weights, trim, ESS, cobalt balance (base R formulas); survfit/coxph weights; survey svyglm (gaussian, quasibinomial) + regTermTest",
  age = age, sex_male = sex, bmi = bmi, treat = treat, ps = p, logit_coef = unname(coef(fit)),
  time = time, status = status, died = died,
  long = list(patient = long$patient, day = long$day, y = long$y),
  estimands = unname(estimands))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE), "weighting.json")
cat("cases:", length(estimands), "long rows:", nrow(long), "\n")
