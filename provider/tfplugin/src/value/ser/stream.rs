//! A serde `Serializer` that writes msgpack for a schema type while serde walks the value.
//!
//! Lists and objects are written as they come, so a result of thousands of objects is held once,
//! as the model, beside its encoding; never as a `Raw` tree as well. An object's attributes go out
//! in the type's (sorted) order, as cty writes them: fields that arrive in that order are written
//! straight through, and only those after the first out-of-order field are held, as bytes, until
//! the object ends. Every other shape (sets, maps, tuples, dynamic, numbers) is built as `Raw` and
//! written by `stream`, so the bytes and errors are those of `to_value` then `msgpack::encode`.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::ser::{self, Serialize};

use super::{MapBuilder, Raw, RawSer, SeqBuilder, SerError, VariantBuilder, stream};
use crate::path::{AttributePath, PathStep};
use crate::value::msgpack::{len32, w};
use crate::value::number::NUMBER_TOKEN;
use crate::value::{Type, ValueError};

pub(super) struct StreamSer<'a> {
    pub(super) ty: &'a Type,
    pub(super) path: &'a mut AttributePath,
    pub(super) out: &'a mut Vec<u8>,
}

fn at(path: &AttributePath) -> impl FnOnce(SerError) -> SerError + '_ {
    // `RawSer` knows no paths; its errors happen where this serializer is.
    move |e| SerError(e.0.with_path(path.clone()))
}

fn io(r: Result<(), ValueError>) -> Result<(), SerError> {
    r.map_err(SerError)
}

impl<'a> StreamSer<'a> {
    fn raw(self, raw: Result<Raw, SerError>) -> Result<(), SerError> {
        let raw = raw.map_err(at(self.path))?;
        io(stream(raw, self.ty, self.path, self.out))
    }

    fn fallback<B>(self, inner: Result<B, SerError>) -> Result<Fallback<'a, B>, SerError> {
        let inner = inner.map_err(at(self.path))?;
        Ok(Fallback { inner, ty: self.ty, path: self.path, out: self.out })
    }
}

macro_rules! through_raw {
    ($($method:ident($($arg:ident: $t:ty),*);)*) => {
        $(fn $method(self, $($arg: $t),*) -> Result<(), SerError> {
            self.raw(RawSer.$method($($arg),*))
        })*
    };
}

impl<'a> ser::Serializer for StreamSer<'a> {
    type Ok = ();
    type Error = SerError;
    type SerializeSeq = SeqStream<'a>;
    type SerializeTuple = Fallback<'a, SeqBuilder>;
    type SerializeTupleStruct = Fallback<'a, SeqBuilder>;
    type SerializeTupleVariant = Fallback<'a, VariantBuilder<SeqBuilder>>;
    type SerializeMap = Fallback<'a, MapBuilder>;
    type SerializeStruct = StructStream<'a>;
    type SerializeStructVariant = Fallback<'a, VariantBuilder<MapBuilder>>;

    through_raw! {
        serialize_bool(v: bool);
        serialize_i8(v: i8);
        serialize_i16(v: i16);
        serialize_i32(v: i32);
        serialize_i64(v: i64);
        serialize_i128(v: i128);
        serialize_u8(v: u8);
        serialize_u16(v: u16);
        serialize_u32(v: u32);
        serialize_u64(v: u64);
        serialize_u128(v: u128);
        serialize_f32(v: f32);
        serialize_f64(v: f64);
        serialize_char(v: char);
        serialize_bytes(v: &[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(name: &'static str);
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str);
    }

    fn serialize_str(self, v: &str) -> Result<(), SerError> {
        // The common case, written without copying the text into a `Raw` first.
        if let Type::String = self.ty {
            return io(w(rmp::encode::write_str(self.out, v)));
        }
        self.raw(RawSer.serialize_str(v))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), SerError> {
        value.serialize(self)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, value: &T) -> Result<(), SerError> {
        if name == NUMBER_TOKEN {
            return self.raw(RawSer.serialize_newtype_struct(name, value));
        }
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), SerError> {
        self.raw(RawSer.serialize_newtype_variant(name, index, variant, value))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqStream<'a>, SerError> {
        match (self.ty, len) {
            (Type::List(element), Some(len)) => {
                let n = len32(len, self.path).map_err(SerError)?;
                io(w(rmp::encode::write_array_len(self.out, n)))?;
                Ok(SeqStream::List { element, path: self.path, out: self.out, len, index: 0 })
            }
            // Sets are de-duplicated and sorted, and a sequence of unknown length cannot have its
            // length written first: both are shaped whole.
            _ => self.fallback(RawSer.serialize_seq(len)).map(SeqStream::Raw),
        }
    }
    fn serialize_tuple(self, len: usize) -> Result<Fallback<'a, SeqBuilder>, SerError> {
        self.fallback(RawSer.serialize_tuple(len))
    }
    fn serialize_tuple_struct(self, name: &'static str, len: usize) -> Result<Fallback<'a, SeqBuilder>, SerError> {
        self.fallback(RawSer.serialize_tuple_struct(name, len))
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Fallback<'a, VariantBuilder<SeqBuilder>>, SerError> {
        self.fallback(RawSer.serialize_tuple_variant(name, index, variant, len))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Fallback<'a, MapBuilder>, SerError> {
        self.fallback(RawSer.serialize_map(len))
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<StructStream<'a>, SerError> {
        match self.ty {
            Type::Object { attributes, .. } => {
                let n = len32(attributes.len(), self.path).map_err(SerError)?;
                io(w(rmp::encode::write_map_len(self.out, n)))?;
                Ok(StructStream::Object(ObjectStream {
                    attributes,
                    next: 0,
                    held: Vec::new(),
                    bytes: Vec::new(),
                    path: self.path,
                    out: self.out,
                }))
            }
            _ => self.fallback(RawSer.serialize_struct(name, len)).map(StructStream::Raw),
        }
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Fallback<'a, VariantBuilder<MapBuilder>>, SerError> {
        self.fallback(RawSer.serialize_struct_variant(name, index, variant, len))
    }
}

/// A value `RawSer` builds whole, written by `stream` when it ends.
pub(super) struct Fallback<'a, B> {
    inner: B,
    ty: &'a Type,
    path: &'a mut AttributePath,
    out: &'a mut Vec<u8>,
}

impl<B> Fallback<'_, B> {
    fn end_with(self, end: impl FnOnce(B) -> Result<Raw, SerError>) -> Result<(), SerError> {
        let raw = end(self.inner).map_err(at(self.path))?;
        io(stream(raw, self.ty, self.path, self.out))
    }

    fn step<R>(&mut self, f: impl FnOnce(&mut B) -> Result<R, SerError>) -> Result<R, SerError> {
        f(&mut self.inner).map_err(at(self.path))
    }
}

impl ser::SerializeTuple for Fallback<'_, SeqBuilder> {
    type Ok = ();
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        self.step(|b| ser::SerializeTuple::serialize_element(b, value))
    }
    fn end(self) -> Result<(), SerError> {
        self.end_with(ser::SerializeTuple::end)
    }
}

impl ser::SerializeTupleStruct for Fallback<'_, SeqBuilder> {
    type Ok = ();
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        self.step(|b| ser::SerializeTupleStruct::serialize_field(b, value))
    }
    fn end(self) -> Result<(), SerError> {
        self.end_with(ser::SerializeTupleStruct::end)
    }
}

impl ser::SerializeTupleVariant for Fallback<'_, VariantBuilder<SeqBuilder>> {
    type Ok = ();
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        self.step(|b| ser::SerializeTupleVariant::serialize_field(b, value))
    }
    fn end(self) -> Result<(), SerError> {
        self.end_with(ser::SerializeTupleVariant::end)
    }
}

impl ser::SerializeMap for Fallback<'_, MapBuilder> {
    type Ok = ();
    type Error = SerError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerError> {
        self.step(|b| ser::SerializeMap::serialize_key(b, key))
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        self.step(|b| ser::SerializeMap::serialize_value(b, value))
    }
    fn end(self) -> Result<(), SerError> {
        self.end_with(ser::SerializeMap::end)
    }
}

impl ser::SerializeStructVariant for Fallback<'_, VariantBuilder<MapBuilder>> {
    type Ok = ();
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), SerError> {
        self.step(|b| ser::SerializeStructVariant::serialize_field(b, key, value))
    }
    fn end(self) -> Result<(), SerError> {
        self.end_with(ser::SerializeStructVariant::end)
    }
}

pub(super) enum SeqStream<'a> {
    /// A list whose length serde told: the length is written, then each element as it comes.
    List {
        element: &'a Type,
        path: &'a mut AttributePath,
        out: &'a mut Vec<u8>,
        len: usize,
        index: usize,
    },
    Raw(Fallback<'a, SeqBuilder>),
}

impl ser::SerializeSeq for SeqStream<'_> {
    type Ok = ();
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        match self {
            SeqStream::List { element, path, out, index, .. } => {
                path.push(PathStep::ElementKeyInt(*index as i64));
                value.serialize(StreamSer { ty: element, path, out })?;
                path.pop();
                *index += 1;
                Ok(())
            }
            SeqStream::Raw(f) => f.step(|b| ser::SerializeSeq::serialize_element(b, value)),
        }
    }
    fn end(self) -> Result<(), SerError> {
        match self {
            SeqStream::List { path, len, index, .. } if index != len => Err(SerError(ValueError::msgpack_at(
                path,
                format!("the sequence said it had {len} elements and gave {index}"),
            ))),
            SeqStream::List { .. } => Ok(()),
            SeqStream::Raw(f) => f.end_with(ser::SerializeSeq::end),
        }
    }
}

pub(super) enum StructStream<'a> {
    Object(ObjectStream<'a>),
    Raw(Fallback<'a, MapBuilder>),
}

/// An object being written: its map length is out already.
pub(super) struct ObjectStream<'a> {
    attributes: &'a BTreeMap<String, Type>,
    /// How many of the type's attributes are written, in order.
    next: usize,
    /// Fields that came after an out-of-order one, with their encodings' place in `bytes`.
    held: Vec<(&'static str, Range<usize>)>,
    bytes: Vec<u8>,
    path: &'a mut AttributePath,
    out: &'a mut Vec<u8>,
}

impl ser::SerializeStruct for StructStream<'_> {
    type Ok = ();
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), SerError> {
        let o = match self {
            StructStream::Object(o) => o,
            StructStream::Raw(f) => return f.step(|b| ser::SerializeStruct::serialize_field(b, key, value)),
        };
        o.path.push(PathStep::Attribute(key.to_owned()));
        let Some((index, (name, ty))) = o.attributes.iter().enumerate().find(|(_, (name, _))| *name == key) else {
            return Err(SerError(ValueError::type_at(o.path, format!("the schema has no attribute {key:?}"))));
        };
        if o.held.is_empty() && index == o.next {
            io(w(rmp::encode::write_str(o.out, name)))?;
            value.serialize(StreamSer { ty, path: o.path, out: o.out })?;
            o.next += 1;
        } else {
            let start = o.bytes.len();
            value.serialize(StreamSer { ty, path: o.path, out: &mut o.bytes })?;
            o.held.push((key, start..o.bytes.len()));
        }
        o.path.pop();
        Ok(())
    }
    fn end(self) -> Result<(), SerError> {
        let o = match self {
            StructStream::Object(o) => o,
            StructStream::Raw(f) => return f.end_with(ser::SerializeStruct::end),
        };
        // The attributes not written yet, in order: held ones from `bytes`, absent ones null.
        for (name, _) in o.attributes.iter().skip(o.next) {
            io(w(rmp::encode::write_str(o.out, name)))?;
            match o.held.iter().find(|(k, _)| k == name) {
                Some((_, range)) => o.out.extend_from_slice(&o.bytes[range.clone()]),
                None => io(w(rmp::encode::write_nil(o.out)))?,
            }
        }
        Ok(())
    }
}
