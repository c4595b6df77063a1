#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What one pass over the rows produces.
struct IRLSSweep {
    /// XᵀWX at the pass's (η, μ), row-major p × p.
    var gram: [Double]
    /// XᵀWz at the pass's (η, μ).
    var rhs: [Double]
    /// Deviance at the pass's μ.
    var deviance: Double
    /// max |Δηᵢ| of this pass's update (0 for the first pass).
    var maximumStep: Double
    /// min (2yᵢ − 1)·Δηᵢ: how far some observation moved away from its own outcome.
    var minimumSignedStep: Double
}

/// The row-streaming core of `LogisticRegression`: holds η and μ and makes the fused passes
/// "new coefficients → new η, μ, deviance → next XᵀWX, XᵀWz", so each IRLS iteration reads the
/// design once.
struct IRLSEngine {
    let design: DesignMatrix
    let outcome: [Bool]
    let intercept: Bool
    /// Number of coefficients.
    let width: Int
    private(set) var eta: [Double]
    private(set) var mu: [Double]
    /// (2yᵢ − 1)·Δηᵢ of the last update pass.
    private(set) var signedStep: [Double]

    /// Rows summed into a local accumulator before it is added to the total.
    static let blockSize = 1024
    /// R's `THRESH`: beyond |η| = 30 the logit link is evaluated at the bound.
    static let threshold = 30.0

    init(design: DesignMatrix, outcome: [Bool], intercept: Bool) {
        self.design = design
        self.outcome = outcome
        self.intercept = intercept
        width = design.columnCount + (intercept ? 1 : 0)
        eta = [Double](repeating: 0, count: design.rowCount)
        mu = eta
        signedStep = eta
    }

    /// exp(η) as R's `logit_linkinv` uses it: ε below −30, 1/ε above 30.
    @inline(__always)
    static func clampedExp(_ eta: Double) -> Double {
        eta < -threshold ? Double.ulpOfOne : (eta > threshold ? 1 / Double.ulpOfOne : exp(eta))
    }

    /// dμ/dη as R's `logit_mu_eta`: exp(η)/(1 + exp(η))², ε beyond |η| = 30.
    @inline(__always)
    static func muEta(_ eta: Double) -> Double {
        if eta > threshold || eta < -threshold { return Double.ulpOfOne }
        let e = exp(eta)
        let onePlus = 1 + e
        return e / (onePlus * onePlus)
    }

    /// Unit deviance 2·[y log(y/μ) + (1 − y) log((1 − y)/(1 − μ))] for y ∈ {0, 1}.
    @inline(__always)
    static func unitDeviance(_ y: Bool, _ mu: Double) -> Double {
        y ? 2 * log(1 / mu) : 2 * log(1 / (1 - mu))
    }

    /// Sets R's binomial starting values μ = (y + 0.5)/2, η = logit μ and returns the
    /// starting deviance.
    mutating func start() -> Double {
        var deviance = 0.0
        for i in 0..<outcome.count {
            let start = outcome[i] ? 0.75 : 0.25
            let e = log(start / (1 - start))
            let t = Self.clampedExp(e)
            eta[i] = e
            mu[i] = t / (1 + t)
            deviance += Self.unitDeviance(outcome[i], mu[i])
        }
        return deviance
    }

    /// One pass over the rows. With `coefficients`, first replaces η by Xβ and μ by the
    /// inverse link, recording the step Δη; then accumulates the deviance and the weighted
    /// cross-products at the (new) η and μ.
    mutating func sweep(coefficients: [Double]?) -> IRLSSweep {
        let p = width
        let q = design.columnCount
        let n = design.rowCount
        let packedCount = p * (p + 1) / 2
        var total = [Double](repeating: 0, count: packedCount)
        var totalRhs = [Double](repeating: 0, count: p)
        var totalDeviance = 0.0
        var maximumStep = 0.0
        var minimumSigned = Double.infinity
        let beta = coefficients ?? []
        let offset = intercept ? 1 : 0

        let row = UnsafeMutablePointer<Double>.allocate(capacity: p)
        let block = UnsafeMutablePointer<Double>.allocate(capacity: packedCount)
        let blockRhs = UnsafeMutablePointer<Double>.allocate(capacity: p)
        defer {
            row.deallocate()
            block.deallocate()
            blockRhs.deallocate()
        }
        if intercept { row[0] = 1 }
        let intercept0 = intercept ? (beta.first ?? 0) : 0

        design.values.withUnsafeBufferPointer { x in
            outcome.withUnsafeBufferPointer { y in
                eta.withUnsafeMutableBufferPointer { etaOut in
                    mu.withUnsafeMutableBufferPointer { muOut in
                        signedStep.withUnsafeMutableBufferPointer { stepOut in
                            beta.withUnsafeBufferPointer { b in
                                var start = 0
                                while start < n {
                                    let end = min(start + Self.blockSize, n)
                                    block.initialize(repeating: 0, count: packedCount)
                                    blockRhs.initialize(repeating: 0, count: p)
                                    var blockDeviance = 0.0
                                    for i in start..<end {
                                        let base = i * q
                                        for j in 0..<q { row[offset + j] = x[base + j] }
                                        var e = etaOut[i]
                                        let m: Double
                                        if coefficients != nil {
                                            var linear = intercept0
                                            for j in 0..<q { linear += x[base + j] * b[offset + j] }
                                            let change = linear - e
                                            maximumStep = max(maximumStep, abs(change))
                                            let signed = y[i] ? change : -change
                                            minimumSigned = min(minimumSigned, signed)
                                            stepOut[i] = signed
                                            e = linear
                                            let t = Self.clampedExp(e)
                                            m = t / (1 + t)
                                            etaOut[i] = e
                                            muOut[i] = m
                                        } else {
                                            m = muOut[i]
                                        }
                                        blockDeviance += Self.unitDeviance(y[i], m)
                                        let derivative = Self.muEta(e)
                                        let variance = m * (1 - m)
                                        let working = e + ((y[i] ? 1 : 0) - m) / derivative
                                        let weight = derivative * derivative / variance
                                        var index = 0
                                        for a in 0..<p {
                                            let wa = weight * row[a]
                                            blockRhs[a] += wa * working
                                            for c in 0...a {
                                                block[index] += wa * row[c]
                                                index += 1
                                            }
                                        }
                                    }
                                    for k in 0..<packedCount { total[k] += block[k] }
                                    for a in 0..<p { totalRhs[a] += blockRhs[a] }
                                    totalDeviance += blockDeviance
                                    start = end
                                }
                            }
                        }
                    }
                }
            }
        }
        var gram = [Double](repeating: 0, count: p * p)
        var index = 0
        for a in 0..<p {
            for c in 0...a {
                gram[a * p + c] = total[index]
                gram[c * p + a] = total[index]
                index += 1
            }
        }
        return IRLSSweep(
            gram: gram, rhs: totalRhs, deviance: totalDeviance, maximumStep: maximumStep,
            minimumSignedStep: coefficients == nil ? 0 : minimumSigned)
    }

    /// Observations whose last step moved η towards their own outcome by more than
    /// `threshold`.
    func countMovingTowardsOutcome(threshold: Double) -> Int {
        signedStep.count(where: { $0 > threshold })
    }

    /// Deviance of the null model: μ = mean(y) with an intercept, μ = 0.5 without.
    func nullDeviance() -> Double {
        let n = outcome.count
        let successes = outcome.count(where: { $0 })
        let mean = intercept ? Double(successes) / Double(n) : 0.5
        var deviance = 0.0
        for y in outcome {
            let p = y ? mean : 1 - mean
            deviance += p > 0 ? 2 * log(1 / p) : 0
        }
        return deviance
    }
}
