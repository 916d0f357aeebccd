//! A JSON array of users read one element at a time, so that a file of 10 000 users of 40 KB
//! (400 MB) is never held whole, as text or as values, beside the users it becomes.
//!
//! The array is split by a small scanner that follows strings and nesting only; each element
//! is then parsed on its own (from a slice, which serde_json parses several times faster than
//! from a reader).

use std::io::{self, BufRead};

use serde_json::Value;

/// The elements of a top-level JSON array, read from `reader`.
pub(crate) struct ArrayElements<R> {
    reader: R,
    state: Position,
    element: Vec<u8>,
    /// Elements read so far: the index of the next one, for error messages.
    read: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    /// Before the `[`.
    Start,
    /// After `[` or a `,`.
    InArray,
    /// After the `]`.
    Done,
}

fn invalid(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

impl<R: BufRead> ArrayElements<R> {
    pub(crate) fn new(reader: R) -> Self {
        Self {
            reader,
            state: Position::Start,
            element: Vec::new(),
            read: 0,
        }
    }

    /// Skips whitespace (and a byte-order mark at the start) and returns the next byte
    /// without taking it; `None` at the end of the input.
    fn peek_token(&mut self) -> io::Result<Option<u8>> {
        loop {
            let buffer = self.reader.fill_buf()?;
            let Some(skip) = buffer
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            else {
                let len = buffer.len();
                if len == 0 {
                    return Ok(None);
                }
                self.reader.consume(len);
                continue;
            };
            let byte = buffer[skip];
            self.reader.consume(skip);
            if self.state == Position::Start && byte == 0xEF {
                let mut bom = [0_u8; 3];
                self.reader.read_exact(&mut bom)?;
                if bom != [0xEF, 0xBB, 0xBF] {
                    return Err(invalid("not JSON: a stray byte before the array"));
                }
                continue;
            }
            return Ok(Some(byte));
        }
    }

    /// Copies one element's bytes into `self.element`: up to the `,` or `]` that ends it at
    /// the top level, which is left unread.
    fn read_element(&mut self) -> io::Result<()> {
        self.element.clear();
        let mut depth = 0_usize;
        let mut in_string = false;
        let mut escaped = false;
        loop {
            let buffer = self.reader.fill_buf()?;
            if buffer.is_empty() {
                return Err(invalid("not JSON: the array does not end"));
            }
            let mut end = None;
            for (i, &byte) in buffer.iter().enumerate() {
                if in_string {
                    match (escaped, byte) {
                        (true, _) => escaped = false,
                        (false, b'\\') => escaped = true,
                        (false, b'"') => in_string = false,
                        _ => {}
                    }
                    continue;
                }
                match byte {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' if depth > 0 => depth -= 1,
                    b',' | b']' if depth == 0 => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            let take = end.unwrap_or(buffer.len());
            self.element.extend_from_slice(&buffer[..take]);
            self.reader.consume(take);
            if end.is_some() {
                return Ok(());
            }
        }
    }

    /// The next element, parsed; `None` after the last one (and only whitespace after the
    /// array).
    pub(crate) fn next_value(&mut self) -> io::Result<Option<Value>> {
        match self.state {
            Position::Done => return Ok(None),
            Position::Start => {
                if self.peek_token()? != Some(b'[') {
                    return Err(invalid("not a JSON array"));
                }
                self.reader.consume(1);
                self.state = Position::InArray;
                if self.peek_token()? == Some(b']') {
                    self.reader.consume(1);
                    return self.finish();
                }
            }
            Position::InArray => {}
        }
        let item = self.read;
        let in_item = |e: io::Error| invalid(format!("item {item}: {e}"));
        self.read_element().map_err(in_item)?;
        let value = serde_json::from_slice(&self.element)
            .map_err(|e| invalid(format!("item {item}: not JSON: {e}")))?;
        match self.peek_token()? {
            Some(b',') => self.reader.consume(1),
            Some(b']') => {
                self.reader.consume(1);
                self.finish()?;
            }
            _ => return Err(in_item(invalid("not JSON: the array does not end"))),
        }
        self.read += 1;
        Ok(Some(value))
    }

    fn finish(&mut self) -> io::Result<Option<Value>> {
        self.state = Position::Done;
        match self.peek_token()? {
            None => Ok(None),
            Some(_) => Err(invalid("not JSON: something after the array")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn all(text: &[u8]) -> io::Result<Vec<Value>> {
        // A tiny buffer, so that elements cross buffer boundaries.
        let mut elements = ArrayElements::new(io::BufReader::with_capacity(3, text));
        let mut values = Vec::new();
        while let Some(value) = elements.next_value()? {
            values.push(value);
        }
        Ok(values)
    }

    #[test]
    fn elements_come_one_by_one() {
        let text = br#" [ {"id":"a","s":"],\"{["}, {"id":"b","n":[1,[2]],"o":{}} ,3,"x"] "#;
        assert_eq!(
            all(text).unwrap(),
            [
                json!({"id": "a", "s": "],\"{["}),
                json!({"id": "b", "n": [1, [2]], "o": {}}),
                json!(3),
                json!("x"),
            ]
        );
        assert!(all(b"[]").unwrap().is_empty());
        assert!(all(b" [ ] \n").unwrap().is_empty());
        assert_eq!(all("\u{feff}[1]".as_bytes()).unwrap(), [json!(1)]);
    }

    #[test]
    fn what_is_not_one_json_array_is_refused() {
        for bad in [
            &b""[..],
            b"{}",
            b"[1,",
            b"[1",
            b"[1,]",
            b"[1] 2",
            b"[{]",
            b"[\"open]",
            b"[1 2]",
        ] {
            let error = all(bad).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidData, "{bad:?}");
        }
    }
}
