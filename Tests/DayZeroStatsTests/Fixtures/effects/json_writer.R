# Minimal JSON writer with full double precision (sprintf("%.17g")); jsonlite rounds data
# frames to 15 digits. Length-1 numerics are scalars unless wrapped in I(); NA, NaN and
# +-Inf are written as null (DayZero uses nil for "unbounded" and "missing").
to_json <- function(v) {
  if (is.null(v)) return("null")
  if (is.list(v)) {
    keys <- names(v)
    parts <- vapply(v, to_json, "")
    if (!is.null(keys) && all(keys != "")) {
      return(paste0("{", paste(sprintf("\"%s\":%s", keys, parts), collapse = ","), "}"))
    }
    return(paste0("[", paste(parts, collapse = ","), "]"))
  }
  as_array <- inherits(v, "AsIs") || length(v) != 1
  if (is.character(v) || is.factor(v)) {
    items <- sprintf("\"%s\"", as.character(v))
  } else if (is.logical(v)) {
    items <- ifelse(is.na(v), "null", ifelse(v, "true", "false"))
  } else {
    v <- as.numeric(v)
    items <- ifelse(is.finite(v), sprintf("%.17g", v), "null")
  }
  if (as_array) paste0("[", paste(items, collapse = ","), "]") else items
}
write_json_file <- function(value, path) writeLines(to_json(value), path)
