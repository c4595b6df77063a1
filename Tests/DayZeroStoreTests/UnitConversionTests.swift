import DayZeroCohort
import Testing

/// The conversion of `value` in `unit` to the canonical unit of `parameter`, or `nil` when
/// the unit is not accepted.
private func canonical(_ parameter: String, _ value: Double, _ unit: String) throws -> Double? {
    let definition = try #require(ParameterCatalog.definition(named: parameter))
    return definition.conversion(for: unit)?.toCanonical(value)
}

/// Closed-form conversions: equal to 1e-12 relative (one multiplication and one addition).
private func close(_ a: Double?, _ b: Double) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b))
}

@Suite("Unit conversions")
struct UnitConversionTests {
    @Test("creatinine: mg/dL × 88.42 = µmol/L, and back")
    func creatinine() throws {
        #expect(close(try canonical("creatinine", 1.2, "mg/dL"), 106.104))
        #expect(close(try canonical("creatinine", 1, "mg/dl"), 88.42))
        #expect(try canonical("creatinine", 88, "µmol/L") == 88)
        #expect(try canonical("creatinine", 88, "umol/l") == 88)
        #expect(try canonical("creatinine", 88, "\u{03BC}mol/L") == 88)  // Greek mu
        #expect(close(try canonical("creatinine", 0.1, "mmol/L"), 100))
        let mgdl = try #require(ParameterCatalog.definition(named: "creatinine")?.conversion(for: "mg/dL"))
        #expect(close(mgdl.fromCanonical(88.42), 1))
    }

    @Test("bilirubin: mg/dL × 17.104 = µmol/L")
    func bilirubin() throws {
        #expect(close(try canonical("bilirubin", 1, "mg/dL"), 17.104))
        #expect(close(try canonical("bilirubin", 1.1, "mg/dL"), 18.8144))
        #expect(try canonical("bilirubin", 12.5, "µmol/L") == 12.5)
    }

    @Test("temperature: °F → °C is (F − 32) × 5/9")
    func temperature() throws {
        #expect(close(try canonical("temperature", 98.6, "°F"), 37))
        #expect(close(try canonical("temperature", 212, "F"), 100))
        #expect(close(try canonical("temperature", 101.3, "degF"), 38.5))
        #expect(close(try canonical("temperature", 104, "[degF]"), 40))
        #expect(try canonical("temperature", 38.4, "°C") == 38.4)
        #expect(try canonical("temperature", 38.4, "C") == 38.4)
        #expect(try canonical("temperature", 38.4, "Cel") == 38.4)
        let fahrenheit = try #require(ParameterCatalog.definition(named: "temperature")?.conversion(for: "°F"))
        #expect(close(fahrenheit.fromCanonical(40), 104))
    }

    @Test("ferritin: ng/mL = µg/L; pmol/L ÷ 2.247")
    func ferritin() throws {
        #expect(try canonical("ferritin", 500, "ng/mL") == 500)
        #expect(try canonical("ferritin", 500, "ug/L") == 500)
        #expect(close(try canonical("ferritin", 2247, "pmol/L"), 1000))
    }

    @Test("platelets and white cells: /µL × 0.001 = 10⁹/L; 10³/µL = 10⁹/L = /nL")
    func cellCounts() throws {
        #expect(close(try canonical("platelets", 250_000, "/µL"), 250))
        #expect(close(try canonical("platelets", 250_000, "/mm3"), 250))
        #expect(try canonical("platelets", 250, "K/uL") == 250)
        #expect(try canonical("platelets", 250, "10^3/mm3") == 250)
        #expect(try canonical("platelets", 250, "×10⁹/L") == 250)
        #expect(try canonical("platelets", 250, "G/L") == 250)
        #expect(try canonical("platelets", 250, "/nL") == 250)
        #expect(close(try canonical("wbc", 11_200, "cells/uL"), 11.2))
    }

    @Test("CRP: mg/dL × 10 = mg/L; µg/mL = mg/L")
    func crp() throws {
        #expect(try canonical("crp", 8.5, "mg/dL") == 85)
        #expect(try canonical("crp", 85, "mg/l") == 85)
        #expect(try canonical("crp", 85, "µg/mL") == 85)
    }

    @Test("other conversions of the catalog")
    func others() throws {
        #expect(close(try canonical("pao2", 10, "kPa"), 75.0062))
        #expect(try canonical("fio2", 40, "%") == 0.4)
        #expect(try canonical("alat", 1, "µkat/L") == 60)
        #expect(try canonical("d_dimer", 1.5, "mg/L") == 1500)
        #expect(try canonical("il6", 0.12, "ng/mL") == 120)
        #expect(try canonical("il6", 120, "ng/L") == 120)
        #expect(try canonical("urine_output", 1.5, "L/day") == 1500)
        #expect(try canonical("norepinephrine", 0.1, "mcg/kg/min") == 0.1)
    }

    @Test("unknown and incompatible units are rejected")
    func rejected() throws {
        #expect(try canonical("creatinine", 1, "mg") == nil)
        #expect(try canonical("platelets", 150, "mg/L") == nil)
        #expect(try canonical("temperature", 300, "K") == nil)
        #expect(try canonical("crp", 5, "nmol/L") == nil)
        #expect(try canonical("ferritin", 5, "") == nil)
        let creatinine = try #require(ParameterCatalog.definition(named: "creatinine"))
        #expect(creatinine.acceptedUnits == ["µmol/L", "mg/dL", "mmol/L"])
    }

    @Test("every catalog conversion is invertible and every canonical unit has factor 1")
    func invertible() {
        for definition in ParameterCatalog.all {
            #expect(definition.canonical.factor == 1 && definition.canonical.offset == 0, "\(definition.name)")
            for conversion in definition.alternatives {
                let x = definition.maximum / 3 + 1
                #expect(close(conversion.toCanonical(conversion.fromCanonical(x)), x), "\(definition.name) \(conversion.unit)")
            }
            #expect(definition.minimum < definition.maximum, "\(definition.name)")
        }
    }
}
