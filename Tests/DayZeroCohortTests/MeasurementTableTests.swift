import Testing
@testable import DayZeroCohort

@Suite("Measurement table (columnar storage)")
struct MeasurementTableTests {
    static let rows = [
        Measurement(patientID: "B", time: 0.25, parameter: "crp", value: 150, sourceUnit: "mg/L"),
        Measurement(patientID: "A", time: 1, parameter: "temperature", value: 38.5, sourceValue: 101.3, sourceUnit: "°F"),
        Measurement(patientID: "B", time: 2, parameter: "crp", value: 80, sourceUnit: "mg/L"),
        Measurement(patientID: "B", time: 2.5, parameter: "temperature", value: 37, sourceUnit: "°C"),
    ]

    @Test("rows read back exactly as appended; names are interned in order of first appearance")
    func roundTrip() {
        let table = MeasurementTable(Self.rows)
        #expect(Array(table) == Self.rows)
        #expect(table.count == 4)
        #expect(table.patientIDs == ["B", "A"])
        #expect(table.parameterNames == ["crp", "temperature"])
        #expect(table.unitNames == ["mg/L", "°F", "°C"])
        #expect(table.patient == [0, 1, 0, 0])
        #expect(table.parameter == [0, 1, 0, 1])
        #expect(table[1].sourceValue == 101.3 && table[1].value == 38.5)
        #expect(table[3].day == 2)
        // Only row 1 was converted; the rows before and after it read their own value back.
        #expect((0..<4).map { table.sourceValue(row: $0) } == [150, 101.3, 80, 37])
    }

    @Test("source values: none, some and every row converted, with −0.0 kept as written")
    func sparseSourceValues() {
        var rows = (0..<50).map { k in
            Measurement(patientID: "P\(k % 3)", time: Double(k), parameter: "temperature", value: 36 + Double(k) / 10, sourceUnit: "°C")
        }
        #expect(Array(MeasurementTable(rows)) == rows)
        for k in stride(from: 0, to: 50, by: 7) { rows[k].sourceValue = rows[k].value * 9 / 5 + 32 }
        #expect(Array(MeasurementTable(rows)) == rows)
        for k in rows.indices { rows[k].sourceValue = rows[k].value * 9 / 5 + 32 }
        #expect(Array(MeasurementTable(rows)) == rows)
        let negativeZero = Measurement(patientID: "Z", time: 0, parameter: "norepinephrine", value: 0, sourceValue: -0.0, sourceUnit: "µg/kg/min")
        #expect(MeasurementTable([negativeZero])[0].sourceValue.sign == .minus)
    }

    @Test("appending by keys equals appending values; equality ignores the interning order")
    func keysAndEquality() {
        var byKeys = MeasurementTable()
        // Intern in a different order than the rows use the names.
        let t = byKeys.parameterKey("temperature"), c = byKeys.parameterKey("crp")
        let a = byKeys.patientKey("A"), b = byKeys.patientKey("B")
        let mgL = byKeys.unitKey("mg/L"), f = byKeys.unitKey("°F"), cel = byKeys.unitKey("°C")
        byKeys.append(patient: b, parameter: c, unit: mgL, time: 0.25, value: 150, sourceValue: 150)
        byKeys.append(patient: a, parameter: t, unit: f, time: 1, value: 38.5, sourceValue: 101.3)
        byKeys.append(patient: b, parameter: c, unit: mgL, time: 2, value: 80, sourceValue: 80)
        byKeys.append(patient: b, parameter: t, unit: cel, time: 2.5, value: 37, sourceValue: 37)
        let byValues = MeasurementTable(Self.rows)
        #expect(byKeys.patientIDs != byValues.patientIDs)
        #expect(byKeys == byValues)
        #expect(Array(byKeys) == Array(byValues))

        var changed = Self.rows
        changed[2].parameter = "temperature"
        #expect(MeasurementTable(changed) != byValues)
        var otherUnit = Self.rows
        otherUnit[0].sourceUnit = "mg/dL"
        #expect(MeasurementTable(otherUnit) != byValues)
        var otherValue = Self.rows
        otherValue[3].value = 37.000000000000007
        #expect(MeasurementTable(otherValue) != byValues)
        #expect(MeasurementTable(Self.rows.dropLast()) != byValues)
    }

    @Test("array literal, append(contentsOf:) and the empty table")
    func literalAndAppend() {
        var table: MeasurementTable = [Self.rows[0]]
        table.append(contentsOf: Self.rows.dropFirst())
        #expect(table == MeasurementTable(Self.rows))
        let empty: MeasurementTable = []
        #expect(empty.isEmpty && empty.patientIDs.isEmpty)
        #expect(empty == MeasurementTable())
    }
}
