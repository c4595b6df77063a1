#!/usr/bin/env Rscript
# Converts survival::pbcseq (Mayo Clinic trial in primary biliary cholangitis, D-penicillamine
# vs placebo, serial laboratory values) into a DayZero study folder: examples/pbcseq/study/.
#
#   Rscript examples/pbcseq/convert.R            (from the repository root)
#
# The rules (see examples/pbcseq/README.md):
# - one patient per pbcseq id; the first visit (day 0) is study entry, written as
#   icu_admission 0 (DayZero's "ICU admission" anchor means study entry here);
# - the end of the study observation, futime, is written as icu_discharge and follow_up_end;
# - death at futime when status = 2; liver transplant as an events.csv row of kind
#   `transplant` at futime when status = 1;
# - treatment: one medications.csv row `d_penicillamine` at day 0 for trt = 1; placebo patients
#   have none; pbcseq holds only the 312 randomised patients, so no trt is missing (the script
#   stops if one ever is);
# - baseline variables from the day-0 visit: stage, edema, ascites, hepato, spiders; age, sex;
# - laboratory values of every visit at its day, as written in pbcseq (bilirubin in mg/dL,
#   which DayZero converts to µmol/L; platelets in 10^3/mm3; AST in U/L); the parameters that
#   the DayZero catalog does not have are declared in parameters.csv.
suppressPackageStartupMessages(library(survival))

args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grepl("^--file=", args)])
here <- if (length(file_arg) == 1) dirname(normalizePath(file_arg)) else "examples/pbcseq"
out <- file.path(here, "study")
dir.create(out, showWarnings = FALSE, recursive = TRUE)
unlink(list.files(out, full.names = TRUE))

d <- survival::pbcseq
d <- d[order(d$id, d$day), ]
stopifnot(!anyNA(d$trt), !anyNA(d$futime), !anyNA(d$status), all(d$day <= d$futime))
first <- d[!duplicated(d$id), ]
stopifnot(all(first$day == 0), !anyDuplicated(d[, c("id", "day")]))

pid <- function(id) sprintf("PBC%03d", id)
num <- function(x) vapply(x, function(v) if (is.na(v)) "" else format(v, digits = 15, scientific = FALSE, trim = TRUE), "")
write <- function(df, name) {
  write.csv(df, file.path(out, name), row.names = FALSE, quote = FALSE, na = "", fileEncoding = "UTF-8")
}
# labels contain commas: quote every text field of variables.csv and parameters.csv
write_quoted <- function(df, name) {
  write.csv(df, file.path(out, name), row.names = FALSE, quote = TRUE, na = "", fileEncoding = "UTF-8")
}

write(data.frame(
  patient_id = pid(first$id),
  site = "Mayo Clinic",
  sex = ifelse(first$sex == "m", "M", "F"),
  age = num(first$age),
  stage = num(first$stage),
  edema = num(first$edema),
  ascites = num(first$ascites),
  hepato = num(first$hepato),
  spiders = num(first$spiders)
), "patients.csv")

write_quoted(data.frame(
  variable = c("stage", "edema", "ascites", "hepato", "spiders"),
  label = c("Histologic stage", "Edema", "Ascites", "Hepatomegaly", "Spider angiomata"),
  kind = c("categorical", "categorical", "binary", "binary", "binary"),
  unit = "",
  levels = c("1|2|3|4", "0|0.5|1", "", "", ""),
  level_labels = c("Stage 1|Stage 2|Stage 3|Stage 4",
                   "None|Untreated or resolved by diuretics|Despite diuretics", "", "", ""),
  minimum = "", maximum = ""
), "variables.csv")

write(data.frame(
  patient_id = pid(first$id),
  icu_admission = 0,
  icu_discharge = first$futime,
  ventilation_start = "", ventilation_end = "",
  death = ifelse(first$status == 2, as.character(first$futime), ""),
  follow_up_end = first$futime
), "icu_course.csv")

treated <- first[first$trt == 1, ]
write(data.frame(patient_id = pid(treated$id), drug = "d_penicillamine", time = 0, dose = "", dose_unit = ""),
      "medications.csv")

tx <- first[first$status == 1, ]
write(data.frame(patient_id = pid(tx$id), event = "transplant", time = tx$futime, detail = ""), "events.csv")

write_quoted(data.frame(
  parameter = c("albumin", "prothrombin_time", "alkaline_phosphatase", "cholesterol"),
  label = c("Albumin", "Prothrombin time", "Alkaline phosphatase", "Serum cholesterol"),
  kind = "clinical",
  unit = c("g/dL", "s", "U/L", "mg/dL"),
  aggregation = "first",
  minimum = c(0, 5, 0, 0),
  maximum = c(10, 100, 50000, 3000)
), "parameters.csv")

labs <- list(
  list(col = "bili", parameter = "bilirubin", unit = "mg/dL"),
  list(col = "albumin", parameter = "albumin", unit = "g/dL"),
  list(col = "platelet", parameter = "platelets", unit = "10^3/mm3"),
  list(col = "ast", parameter = "asat", unit = "U/L"),
  list(col = "protime", parameter = "prothrombin_time", unit = "s"),
  list(col = "alk.phos", parameter = "alkaline_phosphatase", unit = "U/L"),
  list(col = "chol", parameter = "cholesterol", unit = "mg/dL")
)
m <- do.call(rbind, lapply(seq_len(nrow(d)), function(i) {
  r <- d[i, ]
  do.call(rbind, lapply(labs, function(l) {
    v <- r[[l$col]]
    if (is.na(v)) return(NULL)
    data.frame(patient_id = pid(r$id), time = r$day, parameter = l$parameter, value = num(v), unit = l$unit)
  }))
}))
write(m, "measurements.csv")
cat(sprintf("wrote %s: %d patients (%d D-penicillamine, %d placebo), %d deaths, %d transplants, %d measurements\n",
            out, nrow(first), nrow(treated), nrow(first) - nrow(treated), sum(first$status == 2), nrow(tx), nrow(m)))
