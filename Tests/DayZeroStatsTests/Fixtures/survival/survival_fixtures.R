# Reference values for Kaplan–Meier (survival::survfit, summary.survfit, print.survfit's median)
# and the log-rank test (survival::survdiff, rho = 0).
# Run from this directory:  Rscript survival_fixtures.R   (R 4.2.2, survival 3.5-3)
# Writes kaplan_meier.json and log_rank.json beside this script. Every number is printed with
# sprintf("%.17g") so it round-trips exactly; NA, NaN and ±Inf are written as null.
suppressPackageStartupMessages(library(survival))

# ---- minimal full-precision JSON writer -------------------------------------------------
# Atomic vectors are always arrays; wrap a length-one value in scalar() to write it bare.
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
write_json17 <- function(x, file) writeLines(to_json(x), file)

# ---- Kaplan–Meier ------------------------------------------------------------------------
# One case = input data + for each conf.type the per-curve steps, median table and
# summary(fit, times) with extend FALSE and TRUE.
curve_list <- function(fit) {
  if (is.null(fit$strata)) return(list(list(label = NA, idx = seq_along(fit$time))))
  ends <- cumsum(fit$strata); starts <- ends - fit$strata + 1
  lapply(seq_along(fit$strata), function(i) list(label = names(fit$strata)[i], idx = starts[i]:ends[i]))
}
strip_label <- function(lbl) if (is.na(lbl)) NA_character_ else sub("^[^=]*=", "", lbl)

summary_rows <- function(fit, times, extend) {
  s <- tryCatch(summary(fit, times = times, extend = extend), error = function(e) NULL)
  if (is.null(s)) return(list(error = scalar(TRUE)))
  strata <- if (is.null(s$strata)) rep(NA, length(s$time)) else as.character(s$strata)
  list(error = scalar(FALSE), group = vapply(strata, strip_label, ""), time = s$time,
       n_risk = s$n.risk, n_event = s$n.event, n_censor = s$n.censor, surv = s$surv,
       std_err = s$std.err, lower = s$lower, upper = s$upper)
}

km_case <- function(name, time, status, group = NULL, times = NULL, levels = NULL) {
  d <- data.frame(time = time, status = status)
  if (!is.null(group)) d$group <- if (is.null(levels)) group else factor(group, levels = levels)
  out <- list(name = scalar(name), time = time, status = as.integer(status))
  if (!is.null(group)) out$group <- as.character(group)
  if (!is.null(levels)) out$levels <- levels
  out$times <- if (is.null(times)) numeric(0) else times
  out$conf <- lapply(c("log", "log-log", "plain"), function(ct) {
    fit <- if (is.null(group)) survfit(Surv(time, status) ~ 1, data = d, conf.type = ct)
           else survfit(Surv(time, status) ~ group, data = d, conf.type = ct)
    tab <- summary(fit)$table
    if (is.null(dim(tab))) tab <- matrix(tab, nrow = 1, dimnames = list(NULL, names(tab)))
    curves <- lapply(seq_along(curve_list(fit)), function(k) {
      cl <- curve_list(fit)[[k]]; i <- cl$idx
      list(group = scalar(strip_label(cl$label)), n = scalar(tab[k, "records"]),
           events = scalar(tab[k, "events"]),
           median = scalar(tab[k, "median"]), median_lower = scalar(tab[k, "0.95LCL"]),
           median_upper = scalar(tab[k, "0.95UCL"]),
           time = fit$time[i], n_risk = fit$n.risk[i], n_event = fit$n.event[i],
           n_censor = fit$n.censor[i], surv = fit$surv[i], std_err = fit$std.err[i],
           lower = fit$lower[i], upper = fit$upper[i])
    })
    res <- list(conf_type = scalar(ct), curves = curves)
    if (!is.null(times)) {
      res$summary <- summary_rows(fit, times, FALSE)
      res$summary_extend <- summary_rows(fit, times, TRUE)
    }
    res
  })
  out
}

set.seed(20240601)
# Seeded random: integer times 1..25 so events and censorings tie often; three groups, the
# third tiny (2 patients) and a fourth whose patients are all censored.
n_rand <- 80
rand_time <- c(sample(1:25, n_rand, replace = TRUE), 4, 9, 6, 11, 15)
rand_status <- c(rbinom(n_rand, 1, 0.6), 1, 0, 0, 0, 0)
rand_group <- c(sample(c("A", "B"), n_rand, replace = TRUE), "C", "C", "D", "D", "D")

# Seeded random with real-valued times and a second draw of ties.
set.seed(7)
rand2_time <- round(rexp(150, 1 / 40), 1)
rand2_status <- rbinom(150, 1, 0.7)
rand2_group <- sample(c("control", "treated"), 150, replace = TRUE)

lung_ecog <- lung[!is.na(lung$ph.ecog), ]
ovarian_rx <- ifelse(ovarian$rx == 1, "1", "2")

km_cases <- list(
  # Hand-worked (see KaplanMeierTests.swift for the exact fractions), deliberately unsorted.
  km_case("hand7", c(6, 3, 9, 3, 7, 10, 5), c(1, 0, 1, 1, 0, 0, 1), times = c(0, 2, 3, 6.5, 10, 12)),
  km_case("hand10_ties", c(4, 2, 8, 2, 6, 4, 9, 2, 6, 1), c(1, 1, 0, 0, 1, 0, 1, 1, 1, 0),
          times = c(1, 2, 5, 9, 10)),
  # Median exactly 0.5 over an interval -> midpoint; and curve that ends at exactly 0.5.
  km_case("half_interval", c(1, 2, 3, 4), c(1, 1, 1, 1)),
  km_case("half_at_end", c(1, 2, 3, 4), c(1, 1, 0, 0)),
  km_case("all_censored", c(3, 1, 4, 1, 5), c(0, 0, 0, 0, 0), times = c(0, 2, 5, 6)),
  km_case("event_at_zero", c(0, 0, 2, 5, 5, 8), c(1, 0, 1, 1, 0, 1), times = c(0, 1, 5)),
  km_case("single", c(7), c(1)),
  # Times tied only up to rounding: survival's timefix (aeqSurv) merges them.
  km_case("near_ties", c(1, 1 + 1e-10, 2, 0.1 * 3, 0.3, 2.5, 3), c(1, 1, 0, 1, 0, 1, 1)),
  km_case("lung", lung$time, lung$status == 2, times = c(0, 100, 250, 500, 750, 1000, 1022, 1100)),
  km_case("lung_sex", lung$time, lung$status == 2, ifelse(lung$sex == 1, "male", "female"),
          times = c(0, 200, 400, 600, 800, 1000), levels = c("male", "female")),
  km_case("lung_ecog", lung_ecog$time, lung_ecog$status == 2, as.character(lung_ecog$ph.ecog),
          times = c(0, 100, 200, 300, 500, 1000)),
  km_case("aml", aml$time, aml$status, as.character(aml$x), times = c(0, 10, 20, 40, 100, 200)),
  km_case("ovarian", ovarian$futime, ovarian$fustat, ovarian_rx, times = c(0, 365, 730, 1095)),
  km_case("random_ties", rand_time, rand_status, rand_group, times = c(0, 5, 10, 15, 20, 30)),
  km_case("random_real", rand2_time, rand2_status, rand2_group, times = c(0, 10, 30, 60, 120, 500))
)
write_json17(km_cases, "kaplan_meier.json")

# ---- log-rank ----------------------------------------------------------------------------
lr_case <- function(name, time, status, group, levels = NULL) {
  g <- if (is.null(levels)) group else factor(group, levels = levels)
  sd <- suppressWarnings(survdiff(Surv(time, status) ~ g))
  list(name = scalar(name), time = time, status = as.integer(status), group = as.character(group),
       levels = if (is.null(levels)) sort(unique(as.character(group))) else levels,
       n = as.integer(sd$n), observed = sd$obs, expected = sd$exp, variance = as.vector(sd$var),
       chisq = scalar(sd$chisq), df = scalar(sum(sd$exp > 0) - 1), p = scalar(sd$pvalue))
}
lr_cases <- list(
  lr_case("hand7", c(6, 3, 9, 3, 7, 10, 5), c(1, 0, 1, 1, 0, 0, 1), c("a", "b", "a", "b", "a", "b", "b")),
  lr_case("lung_sex", lung$time, lung$status == 2, ifelse(lung$sex == 1, "male", "female"),
          levels = c("male", "female")),
  lr_case("lung_ecog", lung_ecog$time, lung_ecog$status == 2, as.character(lung_ecog$ph.ecog)),
  lr_case("aml", aml$time, aml$status, as.character(aml$x)),
  lr_case("ovarian", ovarian$futime, ovarian$fustat, ovarian_rx),
  lr_case("random_ties", rand_time, rand_status, rand_group),
  lr_case("random_real", rand2_time, rand2_status, rand2_group),
  lr_case("near_ties", c(1, 1 + 1e-10, 2, 0.1 * 3, 0.3, 2.5, 3), c(1, 1, 0, 1, 0, 1, 1),
          c("x", "y", "x", "y", "x", "y", "x")),
  # A group whose patients are all censored before the first event: expected 0, df drops.
  lr_case("zero_expected", c(1, 2, 5, 6, 7, 8, 9), c(0, 0, 1, 0, 1, 1, 0), c("c", "c", "a", "b", "a", "b", "b")),
  lr_case("all_censored", c(3, 1, 4, 1, 5), c(0, 0, 0, 0, 0), c("a", "b", "a", "b", "b"))
)
write_json17(lr_cases, "log_rank.json")
cat("wrote kaplan_meier.json and log_rank.json\n")
