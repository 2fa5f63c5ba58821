//! What a peer may send the kernel, checked byte by byte before the `zeromq` crate reads it.
//!
//! ZMTP 3 (RFC 23) on a stream: a 64-byte greeting, then frames. A frame is a flags byte
//! (bit 0 MORE, bit 1 LONG, bit 2 COMMAND, the rest reserved), a length (one byte, or eight
//! big-endian bytes when LONG), and that many bytes. Frames with MORE set and the one after
//! them make one message.
//!
//! [`Inbound`] follows that grammar over whatever chunks the stream delivers and refuses a
//! stream as soon as a header announces more than the caps below, so that nothing sized by
//! a peer is ever reserved beyond them. It also checks the two things the crate would
//! otherwise index into without checking: the greeting and the commands (the crate panics
//! on a command whose name or property lengths run past its end). It keeps no message
//! bytes, only counters, and a command (at most [`MAX_COMMAND`] bytes) until it is whole.

/// The largest message (all its frames) a peer may send: 256 MiB. A Jupyter request is a
/// cell's text, a widget's state or buffers; the protocol tests send a 20 MB cell.
pub const MAX_MESSAGE: u64 = 256 << 20;

/// The most frames in one message. A Jupyter message has its routing identities, the
/// delimiter, five frames and its buffers; each frame costs the receiver a handle, so
/// a message of a million empty frames would cost memory its byte count does not show.
pub const MAX_FRAMES: u32 = 4096;

/// The largest command frame. The only command the crate accepts is READY, whose
/// properties are the socket type and an identity of at most 255 bytes.
pub const MAX_COMMAND: u64 = 4096;

/// Why a peer's stream was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("not a ZMTP 3 greeting with the NULL mechanism ({0})")]
    Greeting(&'static str),
    #[error("frame flags {0:#04x} set reserved bits")]
    ReservedFlags(u8),
    #[error("a frame announced {announced} bytes, over the {MAX_MESSAGE}-byte message cap")]
    MessageTooLarge { announced: u64 },
    #[error("a message had more than {MAX_FRAMES} frames")]
    TooManyFrames,
    #[error("a command frame announced {0} bytes, over the {MAX_COMMAND}-byte cap")]
    CommandTooLarge(u64),
    #[error("malformed command: {0}")]
    BadCommand(&'static str),
}

#[derive(Debug)]
enum State {
    Greeting { have: usize },
    Flags,
    Length { flags: u8, have: usize, bytes: [u8; 8] },
    Body { remaining: u64 },
    Command { need: usize },
}

/// The checker for one peer's stream towards the kernel.
#[derive(Debug)]
pub struct Inbound {
    state: State,
    greeting: [u8; 64],
    command: Vec<u8>,
    /// Bytes and frames of the message under way, counting the frame being read.
    message_bytes: u64,
    message_frames: u32,
    /// Whether the frame being read has MORE set.
    more: bool,
}

impl Default for Inbound {
    fn default() -> Self {
        Inbound {
            state: State::Greeting { have: 0 },
            greeting: [0; 64],
            command: Vec::new(),
            message_bytes: 0,
            message_frames: 0,
            more: false,
        }
    }
}

const FLAG_MORE: u8 = 0b001;
const FLAG_LONG: u8 = 0b010;
const FLAG_COMMAND: u8 = 0b100;

impl Inbound {
    /// Takes the next bytes of the stream. Ok means they may be forwarded; after an error
    /// the stream must be dropped (the checker's state is then meaningless).
    pub fn feed(&mut self, mut bytes: &[u8]) -> Result<(), Refusal> {
        while !bytes.is_empty() {
            match &mut self.state {
                State::Greeting { have } => {
                    let take = (64 - *have).min(bytes.len());
                    self.greeting[*have..*have + take].copy_from_slice(&bytes[..take]);
                    *have += take;
                    bytes = &bytes[take..];
                    // The signature is checked as soon as it is there: a peer that is not
                    // ZMTP is refused without waiting for 64 bytes.
                    if *have >= 1 && self.greeting[0] != 0xff {
                        return Err(Refusal::Greeting("first byte"));
                    }
                    if *have >= 10 && self.greeting[9] != 0x7f {
                        return Err(Refusal::Greeting("signature"));
                    }
                    if *have >= 11 && self.greeting[10] < 3 {
                        return Err(Refusal::Greeting("version below 3"));
                    }
                    if *have == 64 {
                        check_mechanism(&self.greeting[12..32])?;
                        self.state = State::Flags;
                    }
                }
                State::Flags => {
                    let flags = bytes[0];
                    bytes = &bytes[1..];
                    if flags & !(FLAG_MORE | FLAG_LONG | FLAG_COMMAND) != 0 {
                        return Err(Refusal::ReservedFlags(flags));
                    }
                    self.state = State::Length { flags, have: 0, bytes: [0; 8] };
                }
                State::Length { flags, have, bytes: length } => {
                    let flags = *flags;
                    let width = if flags & FLAG_LONG != 0 { 8 } else { 1 };
                    let take = (width - *have).min(bytes.len());
                    length[*have..*have + take].copy_from_slice(&bytes[..take]);
                    *have += take;
                    bytes = &bytes[take..];
                    if *have == width {
                        let announced = if width == 8 { u64::from_be_bytes(*length) } else { u64::from(length[0]) };
                        self.state = self.start_frame(flags, announced)?;
                    }
                }
                State::Body { remaining } => {
                    let take = (*remaining).min(bytes.len() as u64);
                    *remaining -= take;
                    bytes = &bytes[take as usize..];
                    if *remaining == 0 {
                        self.end_frame();
                    }
                }
                State::Command { need } => {
                    let take = (*need - self.command.len()).min(bytes.len());
                    self.command.extend_from_slice(&bytes[..take]);
                    bytes = &bytes[take..];
                    if self.command.len() == *need {
                        check_command(&self.command)?;
                        self.command = Vec::new();
                        self.state = State::Flags;
                    }
                }
            }
        }
        Ok(())
    }

    /// Checks a frame header against the caps and says what comes next.
    fn start_frame(&mut self, flags: u8, announced: u64) -> Result<State, Refusal> {
        if flags & FLAG_COMMAND != 0 {
            if flags & FLAG_MORE != 0 {
                return Err(Refusal::BadCommand("a command cannot have MORE set"));
            }
            if self.message_frames != 0 {
                return Err(Refusal::BadCommand("a command inside a message"));
            }
            if announced > MAX_COMMAND {
                return Err(Refusal::CommandTooLarge(announced));
            }
            // Even an empty command has a name length byte.
            if announced == 0 {
                return Err(Refusal::BadCommand("empty"));
            }
            self.command = Vec::with_capacity(announced as usize);
            return Ok(State::Command { need: announced as usize });
        }
        self.message_frames += 1;
        if self.message_frames > MAX_FRAMES {
            return Err(Refusal::TooManyFrames);
        }
        let total = self.message_bytes.saturating_add(announced);
        if total > MAX_MESSAGE {
            return Err(Refusal::MessageTooLarge { announced: total });
        }
        self.message_bytes = total;
        self.more = flags & FLAG_MORE != 0;
        if announced == 0 {
            self.end_message_if_last();
            return Ok(State::Flags);
        }
        Ok(State::Body { remaining: announced })
    }

    fn end_frame(&mut self) {
        self.end_message_if_last();
        self.state = State::Flags;
    }

    fn end_message_if_last(&mut self) {
        if !self.more {
            self.message_bytes = 0;
            self.message_frames = 0;
        }
    }
}

/// The mechanism field: "NULL" padded with zero bytes, the only one the kernel speaks.
fn check_mechanism(field: &[u8]) -> Result<(), Refusal> {
    let (name, padding) = field.split_at(4);
    if name == b"NULL" && padding.iter().all(|&b| b == 0) {
        Ok(())
    } else {
        Err(Refusal::Greeting("mechanism is not NULL"))
    }
}

/// A command's body: a name (length byte, then the name), then properties (name length
/// byte, name, four-byte big-endian value length, value), all within the frame.
fn check_command(body: &[u8]) -> Result<(), Refusal> {
    let name_len = usize::from(body[0]);
    let Some(name) = body.get(1..1 + name_len) else {
        return Err(Refusal::BadCommand("name runs past the frame"));
    };
    if name != b"READY" {
        return Err(Refusal::BadCommand("only READY is understood"));
    }
    let mut rest = &body[1 + name_len..];
    while !rest.is_empty() {
        let len = usize::from(rest[0]);
        let Some(property) = rest.get(1..1 + len) else {
            return Err(Refusal::BadCommand("property name runs past the frame"));
        };
        if property.is_empty() || std::str::from_utf8(property).is_err() {
            return Err(Refusal::BadCommand("property name"));
        }
        rest = &rest[1 + len..];
        let Some(value_len) = rest.get(..4) else {
            return Err(Refusal::BadCommand("property value length runs past the frame"));
        };
        let value_len = u32::from_be_bytes(value_len.try_into().expect("four bytes")) as usize;
        if rest.len() - 4 < value_len {
            return Err(Refusal::BadCommand("property value runs past the frame"));
        }
        rest = &rest[4 + value_len..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn greeting() -> Vec<u8> {
        let mut g = vec![0u8; 64];
        g[0] = 0xff;
        g[9] = 0x7f;
        g[10] = 3;
        g[12..16].copy_from_slice(b"NULL");
        g
    }

    fn ready() -> Vec<u8> {
        let mut body = vec![5];
        body.extend_from_slice(b"READY");
        body.push(11);
        body.extend_from_slice(b"Socket-Type");
        body.extend_from_slice(&6u32.to_be_bytes());
        body.extend_from_slice(b"DEALER");
        let mut frame = vec![FLAG_COMMAND, body.len() as u8];
        frame.extend(body);
        frame
    }

    fn frame(more: bool, body: &[u8]) -> Vec<u8> {
        let more = if more { FLAG_MORE } else { 0 };
        let mut f = if body.len() > 255 {
            let mut f = vec![more | FLAG_LONG];
            f.extend_from_slice(&(body.len() as u64).to_be_bytes());
            f
        } else {
            vec![more, body.len() as u8]
        };
        f.extend_from_slice(body);
        f
    }

    fn stream() -> Vec<u8> {
        let mut s = greeting();
        s.extend(ready());
        s.extend(frame(true, b"<IDS|MSG>"));
        s.extend(frame(true, &[b'a'; 64]));
        s.extend(frame(true, &[]));
        s.extend(frame(false, &[b'{'; 300]));
        s
    }

    #[test]
    fn a_well_formed_stream_passes_in_any_chunking() {
        let s = stream();
        for chunk in [1, 2, 3, 7, 64, 65, 1000] {
            let mut check = Inbound::default();
            for piece in s.chunks(chunk) {
                check.feed(piece).unwrap_or_else(|e| panic!("chunk {chunk}: {e}"));
            }
            assert!(matches!(check.state, State::Flags), "chunk {chunk}: {:?}", check.state);
            assert_eq!((check.message_bytes, check.message_frames), (0, 0));
        }
    }

    fn refusal(bytes: &[u8]) -> Refusal {
        let mut check = Inbound::default();
        check.feed(bytes).expect_err("should be refused")
    }

    #[test]
    fn a_huge_frame_is_refused_at_its_header() {
        let mut s = greeting();
        s.extend(ready());
        s.push(FLAG_LONG);
        s.extend_from_slice(&(1u64 << 44).to_be_bytes());
        assert_eq!(refusal(&s), Refusal::MessageTooLarge { announced: 1 << 44 });
        // A command that does the same, even before READY.
        let mut s = greeting();
        s.push(FLAG_COMMAND | FLAG_LONG);
        s.extend_from_slice(&u64::MAX.to_be_bytes());
        assert_eq!(refusal(&s), Refusal::CommandTooLarge(u64::MAX));
    }

    #[test]
    fn the_cap_is_on_the_whole_message() {
        let mut s = greeting();
        s.extend(ready());
        let half = MAX_MESSAGE / 2 + 1;
        s.push(FLAG_LONG | FLAG_MORE);
        s.extend_from_slice(&half.to_be_bytes());
        let mut check = Inbound::default();
        check.feed(&s).unwrap();
        check.feed(&vec![0; half as usize]).unwrap();
        let mut second = vec![FLAG_LONG];
        second.extend_from_slice(&half.to_be_bytes());
        assert_eq!(check.feed(&second), Err(Refusal::MessageTooLarge { announced: 2 * half }));
        // Exactly the cap is fine, and the count starts again with the next message.
        let mut check = Inbound::default();
        check.feed(&s).unwrap();
        check.feed(&vec![0; half as usize]).unwrap();
        let mut last = vec![FLAG_LONG];
        last.extend_from_slice(&(MAX_MESSAGE - half).to_be_bytes());
        check.feed(&last).unwrap();
        check.feed(&vec![0; (MAX_MESSAGE - half) as usize]).unwrap();
        check.feed(&frame(false, &[1; 300])).unwrap();
    }

    #[test]
    fn too_many_frames_are_refused() {
        let mut s = greeting();
        s.extend(ready());
        for _ in 0..MAX_FRAMES {
            s.extend(frame(true, &[]));
        }
        let mut check = Inbound::default();
        check.feed(&s).unwrap();
        assert_eq!(check.feed(&frame(false, &[])), Err(Refusal::TooManyFrames));
    }

    #[test]
    fn bad_greetings_are_refused_early() {
        assert_eq!(refusal(b"GET / HTTP/1.1\r\n"), Refusal::Greeting("first byte"));
        let mut g = greeting();
        g[9] = 0;
        assert_eq!(refusal(&g[..10]), Refusal::Greeting("signature"));
        let mut g = greeting();
        g[10] = 2;
        assert_eq!(refusal(&g[..11]), Refusal::Greeting("version below 3"));
        let mut g = greeting();
        g[12..17].copy_from_slice(b"CURVE");
        assert_eq!(refusal(&g), Refusal::Greeting("mechanism is not NULL"));
    }

    #[test]
    fn any_bytes_in_any_chunks_are_judged_without_panicking() {
        // Random streams, some starting with a valid greeting so that frames are reached,
        // fed in random chunks; also every single-byte change of a valid stream.
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..20_000 {
            let len = (next() % 600) as usize;
            let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            if round % 2 == 0 {
                bytes.splice(0..0, greeting());
            }
            if round % 4 == 0 {
                bytes.splice(64..64, ready());
            }
            let mut check = Inbound::default();
            let mut rest = &bytes[..];
            while !rest.is_empty() {
                let take = (1 + next() % 80).min(rest.len() as u64) as usize;
                if check.feed(&rest[..take]).is_err() {
                    break;
                }
                rest = &rest[take..];
            }
        }
        let valid = stream();
        for i in 0..valid.len() {
            for value in [0, 1, 2, 4, 0x7f, 0xff] {
                let mut bytes = valid.clone();
                bytes[i] = value;
                let _ = Inbound::default().feed(&bytes);
            }
        }
    }

    #[test]
    fn malformed_commands_are_refused() {
        let with_command = |body: &[u8]| {
            let mut s = greeting();
            s.extend([FLAG_COMMAND, body.len() as u8]);
            s.extend_from_slice(body);
            refusal(&s)
        };
        // The crate would slice past the end of each of these.
        assert_eq!(with_command(&[200, b'R']), Refusal::BadCommand("name runs past the frame"));
        assert_eq!(with_command(b"\x05READY\x09Sock"), Refusal::BadCommand("property name runs past the frame"));
        assert_eq!(
            with_command(b"\x05READY\x01X\x00\x00"),
            Refusal::BadCommand("property value length runs past the frame")
        );
        assert_eq!(
            with_command(b"\x05READY\x01X\x00\x00\x00\x09abc"),
            Refusal::BadCommand("property value runs past the frame")
        );
        assert_eq!(with_command(b"\x04PING"), Refusal::BadCommand("only READY is understood"));
        assert_eq!(with_command(&[]), Refusal::BadCommand("empty"));
        let mut s = greeting();
        s.extend([FLAG_COMMAND | FLAG_MORE, 1, 0]);
        assert_eq!(refusal(&s), Refusal::BadCommand("a command cannot have MORE set"));
        let mut s = greeting();
        s.push(0x80);
        assert_eq!(refusal(&s), Refusal::ReservedFlags(0x80));
    }
}
