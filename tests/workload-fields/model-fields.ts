// The fields of the workload model, read from its TypeScript source
// (tests/workload-fields.test.ts walks them).
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { projectRoot } from "../../tools/engine/mock-engine";

/**
 * Every property of `WorkloadSpec` and of the types it reaches that are declared in the same
 * file, as `Type.property` (inline object types as `Type.property.inner`). Imported types
 * (Resources, ImageSpec, Autoscaling, SecurityProfile, Zone) are leaves: the field that holds
 * them is the case.
 */
export function modelFields(): string[] {
  const file = path.join(projectRoot, "components", "model", "workload.ts");
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
  const declared = new Map<string, ts.InterfaceDeclaration | ts.TypeAliasDeclaration>();
  source.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) {
      declared.set(node.name.text, node);
    }
  });
  const fields: string[] = [];
  const visited = new Set<string>();
  const visitMembers = (members: ts.NodeArray<ts.TypeElement>, owner: string) => {
    for (const member of members) {
      if (!ts.isPropertySignature(member) || !member.type) continue;
      const field = `${owner}.${member.name.getText(source)}`;
      fields.push(field);
      visitType(member.type, field);
    }
  };
  const visitType = (type: ts.TypeNode, owner: string): void => {
    if (ts.isTypeLiteralNode(type)) visitMembers(type.members, owner);
    else if (ts.isUnionTypeNode(type) || ts.isIntersectionTypeNode(type)) {
      for (const member of type.types) visitType(member, owner);
    } else if (ts.isArrayTypeNode(type)) visitType(type.elementType, owner);
    else if (ts.isTypeOperatorNode(type) || ts.isParenthesizedTypeNode(type)) {
      visitType(type.type, owner);
    } else if (ts.isRestTypeNode(type)) visitType(type.type, owner);
    else if (ts.isTupleTypeNode(type)) {
      for (const element of type.elements) {
        visitType(ts.isNamedTupleMember(element) ? element.type : element, owner);
      }
    } else if (ts.isTypeReferenceNode(type)) {
      const name = type.typeName.getText(source);
      if (declared.has(name)) visitDeclaration(name);
      for (const argument of type.typeArguments ?? []) visitType(argument, owner);
    }
  };
  const visitDeclaration = (name: string) => {
    if (visited.has(name)) return;
    visited.add(name);
    const declaration = declared.get(name)!;
    if (ts.isInterfaceDeclaration(declaration)) visitMembers(declaration.members, name);
    else visitType(declaration.type, name);
  };
  visitDeclaration("WorkloadSpec");
  return fields;
}
