# Reference values for nearest-neighbour propensity-score matching and its balance table:
#   MatchIt::matchit(treat ~ covariates, method = "nearest", distance = "glm") (MatchIt 4.5.1)
#   and the balance statistics of cobalt::bal.tab(m, un = TRUE, stats = c("m", "v")) with
#   cobalt's defaults for an ATT matchit object.
# Run from this directory:  Rscript matching.R   (R 4.2.2, MatchIt 4.5.1)
# Reads default_cohort.csv (the bundled synthetic cohort's matching covariates, complete
# cases in patient order, taken from the matching.csv that `dayzero analyze --out DIR` writes:
#   d <- read.csv("DIR/matching.csv", colClasses = c(patient_id = "character"))
#   d <- d[d$analysis_set == "propensity-matched" & d$missing_covariate == 0,
#          c("patient_id", "treat", "age", "sex_male", "bmi")]
#   write.csv(d, "default_cohort.csv", row.names = FALSE, quote = FALSE)
# MatchedSetTests checks that the export still equals this file) and writes matching.json.
# Numbers via sprintf("%.17g"); NA -> null.
#
# Two things about the installed MatchIt 4.5.1 (Debian r-cran-matchit 4.5.1-1):
#  1. Its nn_matchC_vec compares |distance differences| with the integer abs() on this
#     platform (MatchIt issue #163, fixed in 4.5.4): every difference below 1 is 0, so the
#     left neighbour always wins and calipers never bind. We therefore give matchit() the
#     propensity score multiplied by 2^30 as a user distance: multiplying by a power of two
#     is exact, keeps every order and tie, and lets the truncated differences resolve
#     2^-30. A caliper on the logit uses a named caliper on a linear-predictor column scaled
#     by 2^26 (its differences stay below 2^31 / 2^26 = 32).
#  2. With replace = TRUE and ratio > 1 it can match a control twice to one treated unit
#     (issue #159, fixed in 4.5.3), so no such case is generated.
# Every MatchIt result is also checked against reference_match() below, a plain-R
# statement of the rule (nearest available control on each side in score order; the left
# one wins ties); the script stops if they differ.
#
# cobalt is not installed here. Its defaults for an ATT matchit object are reproduced from
# MatchIt's own summary(m, un = TRUE), which computes the same quantities for continuous
# covariates (difference in means over the treated SD of the unmatched sample; variance
# ratio of cov.wt-weighted variances); for binary covariates cobalt's default is the raw
# difference in proportions, i.e. Means Treated - Means Control of the same summary.

suppressPackageStartupMessages(library(MatchIt))

json_atom <- function(v) {
  if (is.logical(v)) return(ifelse(is.na(v), "null", ifelse(v, "true", "false")))
  if (is.numeric(v)) return(ifelse(is.finite(v), sprintf("%.17g", as.numeric(v)), "null"))
  v <- as.character(v)
  ifelse(is.na(v), "null", paste0("\"", v, "\""))
}
scalar <- function(x) structure(x, class = c("json_scalar", class(x)))
to_json <- function(x) {
  if (is.null(x)) return("null")
  if (inherits(x, "json_scalar")) return(json_atom(unclass(x)))
  if (is.list(x)) {
    parts <- vapply(x, to_json, "")
    if (!is.null(names(x))) return(paste0("{", paste0("\"", names(x), "\":", parts, collapse = ","), "}"))
    return(paste0("[", paste(parts, collapse = ","), "]"))
  }
  paste0("[", paste(json_atom(unname(x)), collapse = ","), "]")
}

# The rule in plain R. d: distance; treat: 0/1; cal: caliper variable (or NULL); width:
# caliper width in its units. Returns a treated x ratio matrix of control row numbers.
reference_match <- function(d, treat, ratio = 1, replace = FALSE, cal = NULL, width = NA) {
  o <- order(d)                              # stable: ties in data order
  pos <- integer(length(d)); pos[o] <- seq_along(o)
  ctrl <- o[treat[o] == 0]                   # controls in distance order
  trt <- which(treat == 1)
  visit <- if (replace) trt else trt[order(d[trt], decreasing = TRUE)]
  avail <- rep(TRUE, length(ctrl))
  mm <- matrix(NA_integer_, length(trt), ratio)
  row_of <- match(seq_along(d), trt)
  inside <- function(t, j) is.null(cal) || !(abs(cal[t] - cal[ctrl[j]]) > width)
  for (r in seq_len(ratio)) for (t in visit) {
    ok <- avail & !(ctrl %in% mm[row_of[t], ])
    before <- pos[ctrl] < pos[t]
    l <- if (any(ok & before)) max(which(ok & before)) else NA
    rr <- if (any(ok & !before)) min(which(ok & !before)) else NA
    if (!is.na(l) && !inside(t, l)) l <- NA
    if (!is.na(rr) && !inside(t, rr)) rr <- NA
    j <- if (is.na(l)) rr else if (is.na(rr)) l else
      if (abs(d[ctrl[l]] - d[t]) <= abs(d[ctrl[rr]] - d[t])) l else rr
    if (is.na(j)) next
    mm[row_of[t], r] <- ctrl[j]
    if (!replace) avail[j] <- FALSE
  }
  mm
}

# One case: fit the propensity model with matchit(distance = "glm"), rematch on the scaled
# score (see 1. above), check against the plain-R rule, and collect everything.
run_case <- function(name, formula, data, ratio = 1, replace = FALSE, caliper = NULL,
                     caliper_scale = "score") {
  treat <- model.response(model.frame(formula, data))
  design <- model.matrix(formula, data)[, -1, drop = FALSE]
  m0 <- matchit(formula, data = data, method = "nearest", distance = "glm")
  ps <- unname(m0$distance)
  lp <- unname(predict(m0$model, type = "link"))
  scaled <- data
  scaled$lp_scaled <- lp * 2^26
  args <- list(formula, data = scaled, method = "nearest", distance = ps * 2^30,
               ratio = ratio, replace = replace)
  width <- NA; cal <- NULL
  if (!is.null(caliper)) {
    if (caliper_scale == "score") {
      args$caliper <- caliper
      width <- caliper * sd(ps); cal <- ps
    } else {
      args$caliper <- c(lp_scaled = caliper)
      width <- caliper * sd(lp); cal <- lp
    }
  }
  m <- suppressWarnings(do.call(matchit, args))
  mm <- matrix(match(m$match.matrix, rownames(data)), nrow = nrow(m$match.matrix))
  ref <- reference_match(ps, treat, ratio, replace, cal, width)
  if (!identical(mm, ref)) stop(sprintf("%s: MatchIt and the plain-R rule disagree", name))

  s <- summary(m, un = TRUE)
  X <- m$X
  covs <- model.matrix(reformulate(names(X)), X,
                       contrasts.arg = lapply(Filter(is.factor, X), contrasts, contrasts = FALSE))[, -1, drop = FALSE]
  rows <- list()
  for (v in rownames(s$sum.all)) {
    a <- s$sum.all[v, ]; b <- s$sum.matched[v, ]
    values <- if (v == "distance") ps else covs[, v]
    binary <- v != "distance" && all(values == 0 | values == 1)
    scale <- if (v == "distance") 2^30 else 1   # summary() saw the scaled distance
    side <- function(x) list(
      treatedMean = scalar(x[["Means Treated"]] / scale), controlMean = scalar(x[["Means Control"]] / scale),
      difference = scalar(if (binary) x[["Means Treated"]] - x[["Means Control"]] else x[["Std. Mean Diff."]]),
      varianceRatio = scalar(if (binary) NA else x[["Var. Ratio"]]))
    rows[[length(rows) + 1]] <- list(name = scalar(v), values = values, binary = scalar(binary),
                                     before = side(a), after = side(b))
  }
  list(name = scalar(name), treat = as.integer(treat), designNames = colnames(design),
       design = lapply(seq_len(ncol(design)), function(j) unname(design[, j])),
       ratio = scalar(ratio), replace = scalar(replace),
       caliper = if (is.null(caliper)) NULL else scalar(caliper), caliperScale = scalar(caliper_scale),
       caliperWidth = scalar(width),
       distance = ps, logit = lp,
       matchMatrix = lapply(seq_len(nrow(mm)), function(i) ifelse(is.na(mm[i, ]), -1L, mm[i, ] - 1L)),
       weights = unname(m$weights), balance = rows)
}

data("lalonde", package = "MatchIt")
f <- treat ~ age + educ + race + married + nodegree + re74 + re75
cases <- list(
  run_case("lalonde", f, lalonde),
  run_case("lalonde-caliper-0.1-score", f, lalonde, caliper = 0.1),
  run_case("lalonde-caliper-0.2-logit", f, lalonde, caliper = 0.2, caliper_scale = "logit"),
  run_case("lalonde-ratio-2", f, lalonde, ratio = 2),
  run_case("lalonde-replace", f, lalonde, replace = TRUE))

# Exact ties in the score: two discrete covariates give six distinct scores for 80 units.
set.seed(20240501)
ties <- data.frame(x1 = rbinom(80, 1, 0.5), x2 = sample(1:3, 80, replace = TRUE))
ties$treat <- rbinom(80, 1, plogis(-1.2 + 0.8 * ties$x1 + 0.3 * ties$x2))
cases[[length(cases) + 1]] <- run_case("ties", treat ~ x1 + x2, ties)
cases[[length(cases) + 1]] <- run_case("ties-ratio-2", treat ~ x1 + x2, ties, ratio = 2)

# The bundled synthetic cohort, covariates as DayZero codes them (sex_male 1/0).
cohort <- read.csv("default_cohort.csv")
cases[[length(cases) + 1]] <- run_case("default-cohort", treat ~ age + sex_male + bmi, cohort)

cases[[length(cases)]]$patientIDs <- cohort$patient_id

writeLines(to_json(list(
  generator = scalar("Tests/DayZeroStatsTests/Fixtures/matching/matching.R"),
  r = scalar(R.version.string), matchit = scalar(as.character(packageVersion("MatchIt"))),
  cases = cases)), "matching.json")
cat("wrote matching.json:", length(cases), "cases\n")
