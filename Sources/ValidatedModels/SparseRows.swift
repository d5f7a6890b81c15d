/// A batch of documents' feature vectors in compressed sparse rows: row `r`'s nonzero entries are
/// `columns[starts[r]..<starts[r + 1]]` with their `values`, in ascending column order.
struct SparseRows {
    var starts = [0]
    var columns: [Int32] = []
    var values: [Double] = []

    var rowCount: Int { starts.count - 1 }

    /// Empties the batch, keeping its storage.
    mutating func removeAll() {
        starts.removeAll(keepingCapacity: true)
        starts.append(0)
        columns.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
    }

    /// Adds a row from the columns a document hit, once per occurrence (sorted here): each distinct column once,
    /// with `value(column, count)`.
    mutating func appendRow(termHits hits: inout [Int32], value: (Int, Double) -> Double) {
        hits.sort()
        var index = 0
        while index < hits.count {
            var next = index + 1
            while next < hits.count, hits[next] == hits[index] { next += 1 }
            columns.append(hits[index])
            values.append(value(Int(hits[index]), Double(next - index)))
            index = next
        }
        starts.append(columns.count)
    }

    /// Divides the last row by its `l2` or `l1` norm (`nil`: leaves it); a row of zeros stays zero.
    mutating func normalizeLastRow(_ norm: String?) {
        let row = starts[starts.count - 2]..<starts[starts.count - 1]
        let scale: Double
        switch norm {
        case "l2": scale = values[row].reduce(0) { $0 + $1 * $1 }.squareRoot()
        case "l1": scale = values[row].reduce(0) { $0 + abs($1) }
        default: return
        }
        guard scale > 0 else { return }
        for entry in row { values[entry] /= scale }
    }
}
