import Foundation

/// A share as a whole percentage: `0.125` → `13%`.
func percent(_ value: Double) -> String { String(format: "%.0f%%", value * 100) }
/// `value` with `digits` decimals.
func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
/// A difference with its sign and `digits` decimals: `+0.0123`.
func signed(_ value: Double, _ digits: Int = 4) -> String { String(format: "%+.\(digits)f", value) }
