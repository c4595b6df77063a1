# Reference values for DayZero's Cox model (CoxRegression, CoxProportionalHazardsTest):
# survival::coxph and survival::cox.zph on survival's lung, ovarian and veteran data and on
# seeded random data with ties, case weights, clusters and strata.
# Run from this folder: Rscript cox.R   (writes cox.json; needs survival >= 3.0)
suppressMessages(library(survival))
source("json_writer.R")

case_of <- function(name, time, status, X, ties = "efron", weights = NULL, cluster = NULL,
                    strata = NULL, robust = FALSE) {
  X <- as.matrix(X)
  d <- data.frame(time = time, status = status)
  d$X <- X
  args <- list(formula = Surv(time, status) ~ X, data = d, ties = ties,
               robust = robust || !is.null(cluster))
  if (!is.null(weights)) { d$w <- weights; args$weights <- quote(w) }
  if (!is.null(cluster)) { d$cl <- cluster; args$cluster <- quote(cl) }
  if (!is.null(strata)) {
    d$st <- strata
    args$formula <- Surv(time, status) ~ X + strata(st)
  }
  args$data <- d
  warnings <- character(0)
  fit <- withCallingHandlers(do.call(coxph, args),
    warning = function(w) { warnings <<- c(warnings, conditionMessage(w)); invokeRestart("muffleWarning") })
  s <- summary(fit)
  zph <- cox.zph(fit, terms = FALSE)
  tbl <- zph$table
  p <- ncol(X)
  has_robust <- !is.null(fit$naive.var)
  naive <- if (has_robust) fit$naive.var else fit$var
  out <- list(
    name = name, ties = ties, names = I(colnames(X)),
    time = I(as.numeric(time)), status = I(as.integer(status)),
    x = lapply(seq_len(nrow(X)), function(i) I(unname(X[i, ]))),
    weights = if (is.null(weights)) NULL else I(weights),
    cluster = if (is.null(cluster)) NULL else I(as.character(cluster)),
    strata = if (is.null(strata)) NULL else I(as.character(strata)),
    robust = has_robust,
    n = fit$n, nevent = fit$nevent,
    coef = I(unname(fit$coefficients)),
    se = I(sqrt(diag(naive))),
    var = I(as.numeric(naive)),
    robust_se = if (has_robust) I(sqrt(diag(fit$var))) else NULL,
    robust_var = if (has_robust) I(as.numeric(fit$var)) else NULL,
    loglik = I(fit$loglik), iter = fit$iter,
    wald = fit$wald.test, wald_p = unname(s$waldtest["pvalue"]),
    score = unname(fit$score), score_p = unname(s$sctest["pvalue"]),
    lr = unname(s$logtest["test"]), lr_p = unname(s$logtest["pvalue"]),
    robust_score = if (has_robust) unname(fit$rscore) else NULL,
    z = I(unname(s$coefficients[, "z"])), z_p = I(unname(s$coefficients[, "Pr(>|z|)"])),
    lower = I(unname(s$conf.int[, "lower .95"])), upper = I(unname(s$conf.int[, "upper .95"])),
    zph_chisq = I(unname(tbl[seq_len(p), "chisq"])), zph_p = I(unname(tbl[seq_len(p), "p"])),
    zph_global = unname(tbl["GLOBAL", "chisq"]), zph_global_p = unname(tbl["GLOBAL", "p"]),
    warnings = I(warnings))
  out
}

cases <- list()
add <- function(x) cases[[length(cases) + 1]] <<- x

# lung: status 1 = censored, 2 = dead; complete cases of age, sex, ph.ecog.
lung2 <- na.omit(lung[, c("time", "status", "age", "sex", "ph.ecog")])
lx <- as.matrix(lung2[, c("age", "sex", "ph.ecog")])
add(case_of("lung_efron", lung2$time, lung2$status - 1, lx))
add(case_of("lung_breslow", lung2$time, lung2$status - 1, lx, ties = "breslow"))
add(case_of("lung_sex", lung2$time, lung2$status - 1, lx[, "sex", drop = FALSE]))
add(case_of("lung_robust", lung2$time, lung2$status - 1, lx, robust = TRUE))
lungi <- na.omit(lung[, c("time", "status", "age", "sex", "inst")])
add(case_of("lung_cluster_inst", lungi$time, lungi$status - 1,
            as.matrix(lungi[, c("age", "sex")]), cluster = lungi$inst))
add(case_of("lung_strata", lung2$time, lung2$status - 1, lx[, c("age", "ph.ecog")],
            strata = lung2$sex))
# ovarian: no ties.
add(case_of("ovarian", ovarian$futime, ovarian$fustat,
            as.matrix(ovarian[, c("age", "resid.ds", "rx", "ecog.ps")])))
# veteran: many ties; celltype as treatment-coded indicators.
vx <- model.matrix(~ trt + karno + diagtime + age + prior + celltype, veteran)[, -1]
add(case_of("veteran_efron", veteran$time, veteran$status, vx))
add(case_of("veteran_breslow", veteran$time, veteran$status, vx, ties = "breslow"))

set.seed(20261204)
for (k in 1:6) {
  n <- c(40, 80, 150, 60, 120, 200)[k]
  x1 <- rbinom(n, 1, 0.5)
  x2 <- round(rnorm(n), 2)
  t <- ceiling(rexp(n, 0.1 * exp(0.6 * x1 - 0.4 * x2)))   # whole days: many ties
  cens <- ceiling(runif(n, 2, 30))
  time <- pmin(t, cens); status <- as.integer(t <= cens)
  X <- cbind(treated = x1, z = x2)
  w <- round(runif(n, 0.2, 3), 3)
  cl <- sample(seq_len(n %/% 2), n, replace = TRUE)
  ties <- if (k %% 2 == 0) "breslow" else "efron"
  add(case_of(sprintf("random%d_%s", k, ties), time, status, X, ties = ties))
  add(case_of(sprintf("random%d_weights", k), time, status, X, ties = ties, weights = w, robust = TRUE))
  add(case_of(sprintf("random%d_cluster", k), time, status, X, ties = ties, cluster = cl))
  add(case_of(sprintf("random%d_weights_cluster", k), time, status, X, ties = ties, weights = w, cluster = cl))
}
# Matched pairs: one binary covariate, cluster on the pair (the DayZero outcome model).
n <- 42
pair <- rep(1:21, each = 2); tr <- rep(c(1, 0), 21)
t <- ceiling(rexp(n, 0.05 * exp(-0.5 * tr))); cens <- rep(28, n)
add(case_of("pairs_cluster", pmin(t, cens), as.integer(t <= cens), cbind(treated = tr), cluster = pair))
# One group without events: R flags the coefficient as possibly infinite.
tr <- rep(c(1, 0), each = 10)
time <- c(3, 5, 6, 8, 9, 10, 12, 14, 15, 20, 2, 4, 4, 7, 8, 11, 13, 16, 18, 20)
status <- c(rep(0, 10), 1, 1, 1, 0, 1, 1, 0, 1, 1, 0)
add(case_of("no_events_treated", time, status, cbind(treated = tr)))

write_json_file(list(survival_version = as.character(packageVersion("survival")), cases = cases), "cox.json")
cat(sprintf("wrote %d cases\n", length(cases)))
