# Reference values for logistic regression: stats::glm(y ~ X, family = binomial) with the
# default glm.control(epsilon = 1e-8, maxit = 25), and summary.glm's Wald table.
# Run from this directory:  Rscript logistic_fixtures.R   (R 4.2.2, MatchIt 4.5.1)
# Writes logistic.json beside this script. Numbers via sprintf("%.17g"); NA/NaN/Inf -> null.
# Design columns are written exactly as model.matrix builds them (factor -> treatment dummies),
# without the intercept column; `intercept` says whether the model has one.

# ---- minimal full-precision JSON writer (same as ../survival/survival_fixtures.R) --------
scalar <- function(x) structure(x, class = c("json_scalar", class(x)))
json_atom <- function(v) {
  if (is.logical(v)) return(ifelse(is.na(v), "null", ifelse(v, "true", "false")))
  if (is.numeric(v)) return(ifelse(is.finite(v), sprintf("%.17g", as.numeric(v)), "null"))
  v <- as.character(v)
  ifelse(is.na(v), "null", paste0("\"", gsub("\"", "\\\\\"", gsub("\\\\", "\\\\\\\\", v)), "\""))
}
to_json <- function(x) {
  if (inherits(x, "json_scalar")) return(json_atom(unclass(x)))
  if (is.list(x)) {
    parts <- vapply(x, to_json, "")
    if (!is.null(names(x))) return(paste0("{", paste0("\"", names(x), "\":", parts, collapse = ","), "}"))
    return(paste0("[", paste(parts, collapse = ","), "]"))
  }
  if (is.factor(x)) x <- as.character(x)
  paste0("[", paste(json_atom(unname(x)), collapse = ","), "]")
}

glm_case <- function(name, formula, data, compare = "full") {
  warns <- character(0)
  fit <- withCallingHandlers(glm(formula, data = data, family = binomial),
    warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  mm <- model.matrix(fit)
  has_intercept <- attr(terms(fit), "intercept") == 1
  X <- if (has_intercept) mm[, -1, drop = FALSE] else mm
  y <- fit$y
  cf <- coef(fit)
  tab <- summary(fit)$coefficients          # rows only for estimable coefficients
  se <- z <- p <- setNames(rep(NA_real_, length(cf)), names(cf))
  se[rownames(tab)] <- tab[, 2]; z[rownames(tab)] <- tab[, 3]; p[rownames(tab)] <- tab[, 4]
  list(name = scalar(name), formula = scalar(deparse(formula)), compare = scalar(compare),
       intercept = scalar(has_intercept), y = as.integer(y),
       column_names = colnames(X), columns = lapply(seq_len(ncol(X)), function(j) unname(X[, j])),
       coefficient_names = names(cf), coefficients = unname(cf), std_err = unname(se),
       z = unname(z), p = unname(p), deviance = scalar(fit$deviance),
       null_deviance = scalar(fit$null.deviance), aic = scalar(fit$aic), iter = scalar(fit$iter),
       converged = scalar(fit$converged), rank = scalar(fit$rank), df_residual = scalar(fit$df.residual),
       df_null = scalar(fit$df.null), fitted = unname(fitted(fit)),
       linear_predictors = unname(fit$linear.predictors), warnings = warns)
}

data("lalonde", package = "MatchIt")

# Hand-worked: one binary covariate, closed-form MLE (see LogisticRegressionTests.swift).
hand <- data.frame(x = c(0, 1, 1, 0, 1, 0, 1, 0, 1), y = c(0, 1, 0, 1, 1, 0, 1, 0, 0))

set.seed(20240602)
n <- 3000
wc <- data.frame(x1 = rnorm(n), x2 = rbinom(n, 1, 0.3), x3 = rexp(n) * 10, x4 = runif(n, 20, 80),
                 x5 = rnorm(n, 100, 15))
wc$y <- rbinom(n, 1, plogis(-2 + 0.5 * wc$x1 + 0.8 * wc$x2 - 0.03 * wc$x3 + 0.02 * wc$x4 + 0.004 * wc$x5))

set.seed(11)
sep_x <- rnorm(30)
complete <- data.frame(x = sep_x, y = as.integer(sep_x > 0))

set.seed(3)
quasi <- data.frame(x = rep(0:1, each = 20), z = rnorm(40), y = c(rbinom(20, 1, 0.4), rep(1, 20)))

set.seed(5)
rd <- data.frame(a = rnorm(50), b = rnorm(50))
rd$c <- rd$a + 2 * rd$b                    # exactly collinear: R reports its coefficient as NA
rd$d <- rnorm(50)
rd$y <- rbinom(50, 1, plogis(0.3 + rd$a - rd$d))

set.seed(9)
ni <- data.frame(x1 = rnorm(80), x2 = rnorm(80))
ni$y <- rbinom(80, 1, plogis(0.7 * ni$x1 - 0.4 * ni$x2))

cases <- list(
  glm_case("hand_binary", y ~ x, hand),
  glm_case("lalonde", treat ~ age + educ + race + married + nodegree + re74 + re75, lalonde),
  glm_case("mtcars", am ~ wt + hp, mtcars),
  glm_case("well_conditioned", y ~ x1 + x2 + x3 + x4 + x5, wc),
  glm_case("complete_separation", y ~ x, complete, compare = "separation"),
  glm_case("quasi_separation", y ~ x + z, quasi, compare = "separation"),
  glm_case("rank_deficient", y ~ a + b + c + d, rd),
  glm_case("no_intercept", y ~ 0 + x1 + x2, ni)
)
writeLines(to_json(cases), "logistic.json")
cat("wrote logistic.json\n")
