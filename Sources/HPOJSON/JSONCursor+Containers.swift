extension JSONCursor {
    /// An object whose values `value` reads; a repeated key leaves the input to `JSONDecoder`.
    @inlinable
    package mutating func dictionary<Value>(_ value: (inout JSONCursor) -> Value?) -> [String: Value]? {
        var result: [String: Value] = [:]
        let complete = object { cursor, key in
            guard result[key] == nil, let element = value(&cursor) else { return false }
            result[key] = element
            return true
        }
        return complete ? result : nil
    }

    /// An array of integers.
    @inlinable
    package mutating func integers() -> [Int]? {
        var result: [Int] = []
        let complete = array { cursor in
            guard let element = cursor.integer() else { return false }
            result.append(element)
            return true
        }
        return complete ? result : nil
    }

    /// An array of strings.
    @inlinable
    package mutating func strings() -> [String]? {
        var result: [String] = []
        let complete = array { cursor in
            guard let element = cursor.string() else { return false }
            result.append(element)
            return true
        }
        return complete ? result : nil
    }
}
