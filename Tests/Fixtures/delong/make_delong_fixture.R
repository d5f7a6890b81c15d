# Reference values for the AUC / DeLong tests, computed with pROC.
#   Rscript Tests/Fixtures/delong/make_delong_fixture.R   (writes delong_cases.json beside this script)
# Requires Debian's r-base-core and r-cran-proc. Every case uses direction "<" (positives score higher).
suppressMessages(library(pROC))
set.seed(20261123)

num <- function(x) sprintf("%.17g", x)
vec <- function(x) paste0("[", paste(vapply(x, num, ""), collapse = ","), "]")

case <- function(name, labels, s1, s2) {
  r1 <- roc(labels, s1, direction = "<", levels = c(0, 1), quiet = TRUE)
  r2 <- roc(labels, s2, direction = "<", levels = c(0, 1), quiet = TRUE)
  test <- roc.test(r1, r2, method = "delong", paired = TRUE)
  ci1 <- as.numeric(ci.auc(r1, method = "delong"))
  ci2 <- as.numeric(ci.auc(r2, method = "delong"))
  paste0(
    "{\"name\":\"", name, "\",\"labels\":[", paste(labels, collapse = ","), "]",
    ",\"scores1\":", vec(s1), ",\"scores2\":", vec(s2),
    ",\"auc1\":", num(as.numeric(auc(r1))), ",\"auc2\":", num(as.numeric(auc(r2))),
    ",\"var1\":", num(var(r1, method = "delong")), ",\"var2\":", num(var(r2, method = "delong")),
    ",\"cov12\":", num(cov(r1, r2, method = "delong")),
    ",\"ci1\":", vec(ci1[c(1, 3)]), ",\"ci2\":", vec(ci2[c(1, 3)]),
    ",\"z\":", num(as.numeric(test$statistic)), ",\"p_value\":", num(test$p.value),
    ",\"delta_ci\":", vec(as.numeric(test$conf.int)), "}"
  )
}

cases <- character()

labels <- rbinom(200, 1, 0.4)
cases <- c(cases, case("continuous", labels, rnorm(200) + labels, rnorm(200) + 0.8 * labels + 0.3 * rnorm(200)))

labels <- rbinom(300, 1, 0.5)
s1 <- round(runif(300) + 0.3 * labels, 1)
s2 <- round(runif(300) + 0.2 * labels, 1)
cases <- c(cases, case("heavy_ties", labels, s1, s2))

labels <- c(1, 1, 1, 1, 1, 0, 0, 0, 0)
cases <- c(cases, case("tiny", labels, c(0.9, 0.8, 0.35, 0.6, 0.5, 0.4, 0.3, 0.55, 0.1), c(0.7, 0.2, 0.6, 0.5, 0.9, 0.3, 0.8, 0.1, 0.4)))

labels <- c(rep(1, 20), rep(0, 500))
cases <- c(cases, case("unbalanced", labels, rnorm(520) + 1.2 * labels, rnorm(520) + labels))

labels <- rbinom(150, 1, 0.5)
perfect <- labels + runif(150) * 0.5
cases <- c(cases, case("one_model_perfect", labels, perfect, rnorm(150) + labels))

labels <- rbinom(400, 1, 0.3)
logit <- rnorm(400) + 1.5 * labels
cases <- c(cases, case("realistic_close", labels, plogis(logit + 0.1 * rnorm(400)), plogis(logit + 0.1 * rnorm(400))))

out <- file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))), "delong_cases.json")
writeLines(paste0("[\n", paste(cases, collapse = ",\n"), "\n]"), out)
