//! What xtask reads from Terraform configuration: required providers, variables and outputs,
//! parsed with hcl-rs (its `hcl::edit` parser keeps byte spans, so findings name a line).

use std::fs;
use std::path::Path;

use anyhow::{Context as _, Result};
use hcl::edit::Span as _;
use hcl::edit::expr::{Expression as EditExpression, ObjectKey};
use hcl::edit::structure::{Attribute, Block, Body};
use hcl::eval::{Context, Evaluate as _};
use hcl::format::{Format, Formatter};

/// One entry of a `required_providers` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderRequirement {
    /// The local name (`aws = { ... }`).
    pub name: String,
    pub source: Option<String>,
    pub version: Option<String>,
    /// 1-based line of the entry in its file.
    pub line: usize,
}

/// A `variable` block, its type and default rendered as one line of HCL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    pub description: String,
    /// `None`: no type constraint (Terraform's `any`).
    pub type_expr: Option<String>,
    /// `None`: no default, so the variable is required.
    pub default: Option<String>,
    pub sensitive: bool,
}

/// An `output` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub name: String,
    pub description: String,
    pub sensitive: bool,
}

/// What one file, or all files of a module, declare.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// Every `terraform { required_version = ... }`, in file order.
    pub required_versions: Vec<String>,
    pub providers: Vec<ProviderRequirement>,
    pub variables: Vec<Variable>,
    pub outputs: Vec<Output>,
}

impl Config {
    fn extend(&mut self, other: Config) {
        self.required_versions.extend(other.required_versions);
        self.providers.extend(other.providers);
        self.variables.extend(other.variables);
        self.outputs.extend(other.outputs);
    }
}

/// Parses one file's text.
pub fn parse(text: &str) -> Result<Config> {
    let body = hcl::edit::parser::parse_body(text).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut config = Config::default();
    for block in body.get_blocks("terraform") {
        if let Some(version) = block.body.get_attribute("required_version").and_then(|a| literal_string(&a.value)) {
            config.required_versions.push(version);
        }
        for providers in block.body.get_blocks("required_providers") {
            config.providers.extend(providers.body.attributes().map(|attr| requirement(text, attr)));
        }
    }
    for block in body.get_blocks("variable") {
        let Some(name) = label(block) else { continue };
        let attr = |key: &str| block.body.get_attribute(key).map(|a| &a.value);
        config.variables.push(Variable {
            name,
            description: description(&block.body),
            type_expr: attr("type").map(|e| one_line(&hcl::Expression::from(e.clone()))),
            default: attr("default").map(render_default),
            sensitive: attr("sensitive").is_some_and(is_true),
        });
    }
    for block in body.get_blocks("output") {
        let Some(name) = label(block) else { continue };
        let sensitive = block.body.get_attribute("sensitive").is_some_and(|a| is_true(&a.value));
        config.outputs.push(Output { name, description: description(&block.body), sensitive });
    }
    Ok(config)
}

/// Every `*.tf` file directly in `dir` (a module), in name order.
pub fn read_module(dir: &Path) -> Result<Config> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "tf"))
        .collect();
    files.sort();
    let mut config = Config::default();
    for path in files {
        config.extend(read_file(&path)?);
    }
    Ok(config)
}

pub fn read_file(path: &Path) -> Result<Config> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse(&text).with_context(|| format!("parsing {}", path.display()))
}

fn requirement(text: &str, attr: &Attribute) -> ProviderRequirement {
    let line = attr.span().map_or(0, |span| line_of(text, span.start));
    let name = attr.key.value().to_string();
    match &attr.value {
        EditExpression::Object(object) => {
            let field = |wanted: &str| {
                object
                    .iter()
                    .find(|(key, _)| object_key(key).as_deref() == Some(wanted))
                    .and_then(|(_, v)| literal_string(v.expr()))
            };
            ProviderRequirement { name, source: field("source"), version: field("version"), line }
        }
        // The legacy form, `aws = "~> 6.0"`: a version constraint alone.
        value => ProviderRequirement { name, source: None, version: literal_string(value), line },
    }
}

fn object_key(key: &ObjectKey) -> Option<String> {
    match key {
        ObjectKey::Ident(ident) => Some(ident.value().to_string()),
        ObjectKey::Expression(expr) => literal_string(expr),
    }
}

fn label(block: &Block) -> Option<String> {
    block.labels.first().map(|l| l.as_str().to_owned())
}

fn description(body: &Body) -> String {
    body.get_attribute("description").and_then(|a| literal_string(&a.value)).unwrap_or_default()
}

/// A string literal, a heredoc or a template without interpolations, as its value.
fn literal_string(expr: &EditExpression) -> Option<String> {
    match expr {
        EditExpression::String(s) => Some(s.value().clone()),
        EditExpression::StringTemplate(_) | EditExpression::HeredocTemplate(_) => {
            match hcl::Expression::from(expr.clone()).evaluate(&Context::new()) {
                Ok(hcl::Value::String(s)) => Some(s),
                _ => None,
            }
        }
        _ => None,
    }
}

fn is_true(expr: &EditExpression) -> bool {
    matches!(expr, EditExpression::Bool(b) if *b.value())
}

/// A default is a literal value: rendered from its value, so a heredoc reads as one quoted line.
fn render_default(expr: &EditExpression) -> String {
    let expr = hcl::Expression::from(expr.clone());
    match expr.evaluate(&Context::new()) {
        Ok(value) => one_line(&value),
        // Terraform would reject it; show what is written rather than fail the docs.
        Err(_) => one_line(&expr),
    }
}

/// HCL on one line: arrays and objects compact, identifier keys unquoted.
pub fn one_line(value: &impl Format) -> String {
    let mut formatter = Formatter::builder().compact(true).prefer_ident_keys(true).build_vec();
    let text = value.format_string(&mut formatter).unwrap_or_default();
    // Compact formatting keeps heredocs, whose lines would break a table row.
    text.lines().map(str::trim).collect::<Vec<_>>().join(" ")
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_required_providers_with_lines_skipping_comments_and_other_sources() {
        let hcl = r#"
# source = "x/cima" in a comment
terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 6.0" }
    cima = {
      source = "other/cima" // the one
    }
    renamed = { "source" = "b/cima" }
    legacy = "1.2.3"
  }
}
module "m" {
  source = "../modules/cima"
  policy = <<-EOT
    { "source": "c/cima" }
  EOT
}
"#;
        let config = parse(hcl).expect("parses");
        assert_eq!(config.required_versions, [">= 1.5"]);
        let req = |name: &str, source: Option<&str>, version: Option<&str>, line| ProviderRequirement {
            name: name.into(),
            source: source.map(Into::into),
            version: version.map(Into::into),
            line,
        };
        assert_eq!(
            config.providers,
            [
                req("aws", Some("hashicorp/aws"), Some("~> 6.0"), 6),
                req("cima", Some("other/cima"), None, 7),
                req("renamed", Some("b/cima"), None, 10),
                req("legacy", None, Some("1.2.3"), 11),
            ]
        );
    }

    #[test]
    fn reads_variables_and_outputs() {
        let hcl = r#"
variable "plain" {}
variable "typed" {
  description = <<-EOT
    Two
    lines.
  EOT
  type = object({
    a = optional(number, 5) # a comment
    b = list(string)
  })
  default   = { a = 1, b = ["x", "y"] }
  sensitive = true
}
output "o" {
  description = "Out."
  value       = var.plain
  sensitive   = true
}
"#;
        let config = parse(hcl).expect("parses");
        assert_eq!(
            config.variables,
            [
                Variable {
                    name: "plain".into(),
                    description: String::new(),
                    type_expr: None,
                    default: None,
                    sensitive: false
                },
                Variable {
                    name: "typed".into(),
                    description: "Two\nlines.\n".into(),
                    type_expr: Some("object({ a = optional(number, 5), b = list(string) })".into()),
                    default: Some(r#"{ a = 1, b = ["x", "y"] }"#.into()),
                    sensitive: true
                },
            ]
        );
        assert_eq!(config.outputs, [Output { name: "o".into(), description: "Out.".into(), sensitive: true }]);
    }

    #[test]
    fn defaults_render_as_one_line_of_hcl() {
        let default = |text: &str| {
            let config = parse(&format!("variable \"v\" {{\n  default = {text}\n}}\n")).expect("parses");
            config.variables[0].default.clone().expect("has a default")
        };
        assert_eq!(default("null"), "null");
        assert_eq!(default("true"), "true");
        assert_eq!(default("10737418240"), "10737418240");
        assert_eq!(default("\"cima\""), "\"cima\"");
        assert_eq!(default("[]"), "[]");
        assert_eq!(default("{}"), "{}");
        assert_eq!(default("[\n    \"a\",\n    \"b\",\n  ]"), "[\"a\", \"b\"]");
        assert_eq!(default("{\n    dev = 200\n    \"a b\" = 1\n  }"), "{ dev = 200, \"a b\" = 1 }");
        assert_eq!(default("<<-EOT\n    x\n    y\n  EOT"), "\"x\\ny\\n\"");
    }

    #[test]
    fn a_syntax_error_is_an_error() {
        assert!(parse("variable \"v\" {").is_err());
    }
}
