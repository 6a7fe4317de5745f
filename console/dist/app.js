var T,nt,bn,q,Re,$e,ot,fe,at,Ie,Ne,yn,oe=Symbol.for("pv"),me={},ge=[],vn=/^m(i|n|o|s|text|space)$/,Le=Array.isArray,Ae=ge.slice,V=Object.assign;function G(e){e&&e.parentNode&&e.remove()}function st(e,t,n){var o,a,s,l={},i=arguments.length;for(s in t)s=="key"?o=t[s]:s=="ref"&&typeof e!="function"?a=t[s]:l[s]=t[s];return i>2&&(l.children=i>3?Ae.call(arguments,2):n),ne(e,l,o,a,null)}function ne(e,t,n,o,a){var s={type:e,props:t,key:n,ref:o,__k:null,__:null,__b:0,__e:null,__c:null,constructor:oe,__v:a||++nt,__i:-1,__u:0};return!a&&T.vnode&&T.vnode(s),s}function be(e){return e.children}function _e(e,t){this.props=e,this.context=t,this.__g=0}function W(e,t){if(t==null)return e.__&&W(e.__,e.__i+1);for(var n;t<e.__k.length;t++)if((n=e.__k[t])&&n.__e)return n.__e;return typeof e.type!="function"||e.props.__P?null:W(e)}function xn(e){var t,n=e.__v,o=n.__e,a=[],s=[],l=e.__P;l&&((t=V({constructor:oe},n)).__v=n.__v+1,T.vnode&&T.vnode(t),Me(l,t,n,e.__n,l.namespaceURI,32&n.__u?[o]:null,a,o||W(n),32&n.__u,s),t.__v=n.__v,t.__.__k[t.__i]=t,ut(a,t,s),n.__=n.__e=null,t.__e!=o&&rt(t))}function rt(e){if((e=e.__)&&e.__c&&!e.props.__P)return e.__e=null,e.__k.some(function(t){return t&&(e.__e=t.__e)}),rt(e)}function et(e){(8&e.__g||(e.__g|=8,q.push(e),$e++))&&Re==T.debounceRendering||((Re=T.debounceRendering)||queueMicrotask)(it)}function it(){try{for(var e,t=1;q.length;)q.length>t&&q.sort(ot),e=q.shift(),t=q.length,8&e.__g&&xn(e)}finally{($e=q.length)&&(Re||queueMicrotask)(it)}}function lt(e,t,n,o,a,s,l,i,u,p,c){var _,f,d,h,$,m,P=o.__k||ge,w=t.length;for(u=wn(n,t,P,u,w),_=0;_<w;_++)(d=n.__k[_])!=null&&(f=~d.__i&&P[d.__i]||me,d.__i=_,m=Me(e,d,f,a,s,l,i,u,p,c),h=d.__e,(f.ref!=d.ref||8&f.__u)&&(f.ref&&Oe(f.ref,null,d,f),d.ref&&c.push(d.ref,d.__c||h,d)),$=$||h,4&d.__u?(u=ct(d,u,e,!f.__v),f.__e&&(f.__e=null)):typeof d.type=="function"&&m!==void 0?u=m:h&&(u=h.nextSibling),d.__u&=-21);return n.__e=$,u}function wn(e,t,n,o,a){var s,l,i,u,p,c,_,f,d,h=n.length,$=h,m=0,P=0,w=e.__k=Array(a);for(s=0;s<a;s++)(l=t[s])!=null&&typeof l!="boolean"&&typeof l!="function"?(typeof l!="object"||l.constructor===String?l=w[s]=ne(null,l):Le(l)?l=w[s]=ne(be,{children:l}):l.constructor===oe&&l.__b?l=w[s]=ne(l.type,l.props,l.key,l.ref,l.__v):w[s]=l,u=s+m,l.__=e,l.__b=e.__b+1,i=null,~(p=l.__i=Sn(l,n,u,$))&&($--,(i=n[p])&&(i.__u|=2)),i&&i.__v?(l.__u|=16,p==u-1?m--:p==u+1?m++:p!=u&&(p>u?m--:m++,P=1)):(~p||(a>h?m--:a<h&&m++),typeof l.type!="function"&&(l.__u|=4))):w[s]=null;if(P){for(c=[],_=[],s=0;s<a;s++)if((l=w[s])&&16&l.__u){for(m=0,f=c.length;m<f;)c[d=m+f>>1]<l.__i?m=d+1:f=d;c[m]=l.__i,_[s]=m+1}for(m=c.length;s--;)_[s]&&(_[s]==m?m--:w[s].__u|=4)}if($)for(s=0;s<h;s++)!(i=n[s])||2&i.__u||(i.__e==o&&(o=W(i)),De(i,i));return o}function ct(e,t,n,o){var a,s,l,i;if(typeof e.type=="function"){if(e.props.__P)return t;if(a=e.__k)for(s=0;s<a.length;s++)a[s]&&(a[s].__=e,t=ct(a[s],t,n,!1));return t}for(t&&!t.parentNode&&(t=W(e))&&!t.parentNode&&(t=null),l=e.__e,i=t;i&&i.nodeType==8;)i=i.nextSibling;for(l!=i&&(!o&&n.moveBefore&&l.parentNode?n.moveBefore(l,t):n.insertBefore(l,t||null)),t=l;(t=t&&t.nextSibling)&&t.nodeType==8&&!t.data.startsWith("$s"););return t}function Sn(e,t,n,o){var a,s=e.key,l=e.type,i=t[n],u=i&&!(2&i.__u);if(i===null&&s==null||u&&s==i.key&&l==i.type)return n;if(o>(u?1:0)){for(a=n-1;a>=0;a--)if((i=t[a])&&!(2&i.__u)&&s==i.key&&l==i.type)return a;for(a=n+1;a<t.length;a++)if((i=t[a])&&!(2&i.__u)&&s==i.key&&l==i.type)return a}return-1}function tt(e,t,n){n==null&&(n=""),t[0]=="-"?e.setProperty(t,n):e[t]=n}function pe(e,t,n,o,a){var s,l;if(t=="style")if(typeof n=="string")e.style.cssText=n;else{if(typeof o=="string"&&(e.style.cssText=o=""),o)for(t in o)n&&t in n||tt(e.style,t);if(n)for(t in n)o&&n[t]==o[t]||tt(e.style,t,n[t])}else if(t[0]=="o"&&t[1]=="n")typeof n!="function"&&(n=null),typeof o!="function"&&(o=null),(e.__e||(e.__e={}))[t]=n,n&&o||(l=Ne[t]||(Ne[t]=kn(t)),(e.__a||(e.__a={}))[t]=Ie,s=t!=(t=t.replace(at,"$1")),(t=t.slice(2))[0]<"a"&&(t=t.toLowerCase()),n?e.addEventListener(t,l,s):e.removeEventListener(t,l,s));else{if(a=="http://www.w3.org/2000/svg")t=t.replace(/xlink(H|:h)/,"h").replace(/sName$/,"s");else if(t!="width"&&t!="height"&&t!="href"&&t!="list"&&t!="form"&&t!="tabIndex"&&t!="download"&&t!="rowSpan"&&t!="colSpan"&&t!="role"&&t!="popover"&&t in e)try{return void(e[t]=n??"")}catch{}if(typeof n=="function")return;n==null||n===!1&&t[4]!="-"?e.removeAttribute(t):e.setAttribute(t,t=="popover"&&n==1?"":n)}}function kn(e){return function(t){var n=this.__e;if(n){if(n=n[e],t[fe]==null)t[fe]=Ie++;else if(t[fe]<this.__a[e])return;return n(T.event?T.event(t):t)}}}function Me(e,t,n,o,a,s,l,i,u,p){var c,_,f,d,h,$,m,P,w,M,C,Ee,Ze,ue,J,Qe,U,K,B=t.type;if(t.constructor!==oe)return null;128&n.__u&&(u=32&n.__u,c=n.__c.__z)&&(t.__u|=u,_=s=[],c.nodeType==8?i=he(c,s):s.push(c),i=s[0]||i),(c=T.__b)&&c(t);e:if(typeof B=="function"){f=l.length;try{if(P=t.props,w=(c=B.prototype)&&c.render,M=(c=B.contextType)&&o[c.__c],C=c?M?M.props.value:c.__:o,(d=n.__c)?(t.__c=d,2&d.__g&&(d.__g|=1)):(w?t.__c=d=new B(P,C):(t.__c=d=new _e(P,C),d.constructor=B,d.render=Pn),M&&M.sub(d),d.state||(d.state={}),d.__n=o,d.__g|=8,d.__h=[],d.__k=[]),w&&(d.__s||(d.__s=d.state),B.getDerivedStateFromProps&&(d.__s==d.state&&(d.__s=V({},d.__s)),V(d.__s,B.getDerivedStateFromProps(P,d.__s)))),h=d.props,$=d.state,d.__v=t,n.__c){if(P!==h&&w&&!B.getDerivedStateFromProps&&d.componentWillReceiveProps&&d.componentWillReceiveProps(P,C),t.__v==n.__v&&!(8&d.__g)||!(4&d.__g)&&d.shouldComponentUpdate&&d.shouldComponentUpdate(P,d.__s,C)===!1){t.__v!=n.__v&&(d.props=P,d.state=d.__s,d.__g&=-9),t.__e=n.__e,t.__k=n.__k,t.__k.some(function(j){j&&(j.__=t)}),ge.push.apply(d.__h,d.__k),d.__k=[],d.__h.length&&l.push(d),i=W(n);break e}d.componentWillUpdate&&d.componentWillUpdate(P,d.__s,C),w&&d.componentDidUpdate&&d.__h.push(function(){d.componentDidUpdate(h,$,m)})}else w&&!B.getDerivedStateFromProps&&d.componentWillMount&&d.componentWillMount(),w&&d.componentDidMount&&d.__h.push(d.componentDidMount);d.context=C,d.props=P,d.__P=e,d.__g&=-5,Ee=T.__r,Ze=w?25:0;do d.__g&=-9,Ee&&Ee(t),c=d.render(d.props,d.state=d.__s,d.context);while(8&d.__g&&++Ze<25);w&&(ge.push.apply(d.__h,d.__k),d.__k=[]),d.state=d.__s,d.getChildContext&&(o=V({},o,d.getChildContext())),w&&n.__c&&d.getSnapshotBeforeUpdate&&(m=d.getSnapshotBeforeUpdate(h,$)),ue=c&&c.type===be&&c.key==null?c.props.children:c,P.__P&&(c=i,a=(e=P.__P).namespaceURI,u=s=null,n.props&&n.props.__P!=e&&(n.__k.some(function(j){j&&De(j,j)}),n.__k=null),i=n.__k?W(n,0):null),i=lt(e,Le(ue)?ue:[ue],t,n,o,a,s,l,i,u,p),P.__P&&(t.__e=null,i=c),t.__u&=-161,_&&_.some(G),d.__h.length&&l.push(d),1&d.__g&&(d.__g&=-4)}catch(j){if(l.length=f,t.__v=null,u||s)if(j&&j.then){if(t.__u|=128|u,s){for(~(U=s.indexOf(i||void 0))||(U=s.length);(K=s[U-1])&&K.nodeType==8;)U--;for(;U<s.length;U++)if(K=s[U])if(s[U]=null,J){if(K==Qe)break}else{if(K.nodeType!=8)break;K.data.startsWith("$s")&&(Qe=he(J=K))}}if(!J){for(;i&&i.nodeType==8&&i.nextSibling;)i=i.nextSibling;J=i}(c=he(J=t.__c.__z||(t.__c.__z=J)))?(t.__e=J,i=c):t.__e=i,i=i&&i.nextSibling}else s&&s.some(G);else t.__e=n.__e;t.__k||(t.__k=n.__k||[]),j&&j.then||dt(t),T.__e(j,t,n)}}else i=t.__e=Tn(n.__e,t,n,o,a,s,l,u,p,e);return(c=T.diffed)&&c(t),i}function he(e,t){if(e&&e.nodeType==8&&e.data.startsWith("$s"))for(var n=1;e=e.nextSibling;){if(e.nodeType==8){if(e.data.startsWith("$s"))n++;else if(e.data.startsWith("/$s")&&!--n)return e}t&&t.push(e)}}function dt(e){e&&(e.__c&&(e.__c.__g|=4),e.__k&&e.__k.some(dt))}function ut(e,t,n){for(var o=0;o<n.length;)Oe(n[o++],n[o++],n[o++]);T.__c&&T.__c(t,e),e.some(function(a){try{e=a.__h,a.__h=[],e.some(function(s){s.call(a)})}catch(s){T.__e(s,a.__v)}})}function Tn(e,t,n,o,a,s,l,i,u,p){var c,_,f,d,h,$,m,P,w=n.props||me,M=t.props,C=t.type;if(C=="svg"?a="http://www.w3.org/2000/svg":C=="math"?a="http://www.w3.org/1998/Math/MathML":a||(a="http://www.w3.org/1999/xhtml"),s){for(c=0;c<s.length;c++)if((h=s[c])&&(C?h.localName==C:h.nodeType==3)){e=h,s[c]=null;break}}if(!e){if(P=p.ownerDocument||document,!C)return P.createTextNode(M);e=P.createElementNS(a,C,M.is?M:p),i&&(T.__m&&T.__m(t,s),i=!1),s=null}if(C){if(p=C=="template"&&e.content||e,s=C=="textarea"&&M.defaultValue!=null?null:s&&Ae.call(p.childNodes),!i&&s)for(w={},c=0;c<e.attributes.length;c++)w[(h=e.attributes[c]).name]=h.value;for(c in w)h=w[c],c=="dangerouslySetInnerHTML"?f=h:c=="children"||c in M||c=="value"&&"defaultValue"in M||c=="checked"&&"defaultChecked"in M||pe(e,c,null,h,a);for(c in M)h=M[c],c=="children"?d=h:c=="dangerouslySetInnerHTML"?_=h:c=="value"?$=h:c=="checked"?m=h:i&&typeof h!="function"||w[c]===h||pe(e,c,h,w[c],a);_?(i||f&&(_.__html==f.__html||_.__html==e.innerHTML)||(e.innerHTML=_.__html),t.__k=[]):(f&&(e.textContent=""),(C=="foreignObject"||a=="http://www.w3.org/1998/Math/MathML"&&vn.test(C))&&(a="http://www.w3.org/1999/xhtml"),lt(p,Le(d)?d:[d],t,n,o,a,s,l,s?s[0]:n.__k&&W(n,0),i,u),s&&s.some(G)),i&&C!="textarea"||(c="value",C=="progress"&&$==null?e.removeAttribute(c):$==null||$===e[c]&&(C!="progress"||$)||pe(e,c,$,w[c],a),c="checked",m!=null&&m!=e[c]&&pe(e,c,m,w[c],a))}else w===M||i&&e.data==M||(e.data=M);return e}function Oe(e,t,n,o){try{typeof e=="function"?t?t.__x=e(t)||1:o&&(o=o.__c||o.__e)&&(t=o.__x)&&(o.__x=null,typeof t=="function"?t():e(null)):e.current=t}catch(a){T.__e(a,n)}}function De(e,t,n){var o,a,s,l;if(T.unmount&&T.unmount(e),!(o=e.ref)||o.current&&o.current!=e.__e||Oe(o,null,t,e),o=e.__c){if(o.componentWillUnmount)try{o.componentWillUnmount()}catch(i){T.__e(i,t)}o.__P=o.__n=null}if(o=e.__k)for(l=0;l<o.length;l++)o[l]&&De(o[l],t,typeof e.type!="function"||n&&!e.props.__P);!n&&(o=e.__c)&&(o=o.__z)&&(a=he(o,s=[]))&&(o==e.__e&&s.some(G),G(a),G(o)),n||G(e.__e),e.__e=e.__c=e.__=null}function Pn(e,t,n){return this.constructor(e,n)}function pt(e,t){var n,o,a,s;T.__&&T.__(e,t),t.nodeType==9&&(t=t.documentElement),o=(n=e&&32&e.__u)?null:t.__k,t.__k=ne(be,{children:[e]}),a=[],s=[],Me(t,t.__k,o||me,me,t.namespaceURI,o?null:t.firstChild?Ae.call(t.childNodes):null,a,o?o.__e:t.firstChild,n,s),ut(a,t.__k,s),t.__k.props.children=null}T={__e:function(e,t,n,o){for(var a,s,l;t=t.__;)if((a=t.__c)&&!(1&a.__g)){a.__g|=4;try{if((l=(s=a.constructor)&&s.getDerivedStateFromError)&&a.setState(s.getDerivedStateFromError(e)),a.componentDidCatch&&(a.componentDidCatch(e,o||{}),l=1),l&&8&a.__g)return void(a.__g|=2)}catch(i){e=i}}throw $e=0,e}},nt=0,bn=function(e){return e!=null&&e.constructor===oe},_e.prototype.setState=function(e,t){var n=this.__s;n&&n!=this.state||(n=this.__s=V({},this.state)),typeof e=="function"&&(e=e(V({},n),this.props)),e&&(V(n,e),this.__v&&(t&&this.__k.push(t),et(this)))},_e.prototype.forceUpdate=function(e){this.__v&&(this.__g|=4,e&&this.__h.push(e),et(this))},_e.prototype.render=be,q=[],$e=0,ot=function(e,t){return e.__v.__b-t.__v.__b},fe=Symbol(),at=/(PointerCapture)$|Capture$/i,Ie=0,Ne={},yn=0;var se,N,Fe,ft,je=Object.is,re=0,xt=[],He=[],R=T,_t=R.__b,ht=R.__r,$t=R.diffed,mt=R.__c,gt=R.unmount,bt=R.__;function Ue(e,t){R.__h&&R.__h(N,e,re||t),re=0;var n=N.__H||(N.__H={__:[],__h:[]});return e>=n.__.length&&n.__.push({}),n.__[e]}function g(e){return re=1,Cn(Pt,e)}function Cn(e,t,n){var o=Ue(se++,2);if(o.t=e,!o.__c&&(o.__=[n?n(t):Pt(void 0,t),function(s){var l=(o.__N||o.__)[0],i=o.t(l,s);je(l,i)||(o.__N=[i,o.__[1]],o.__c.setState({}))}],o.__c=N,!N.__f)){N.__f=!0;var a=N.shouldComponentUpdate;N.shouldComponentUpdate=function(s,l,i){var u=this.__H;if(!u)return!0;var p=!1,c=this.props!=s;if(u.__.some(function(f){f.__N&&(p=!0,je(f.__[0],f.__N[0])||(c=!0))}),a){var _=a.call(this,s,l,i);return p?_||c:_}return!p||c}}return o.__}function O(e,t){var n=Ue(se++,3);!R.__s&&Tt(n.__H,t)&&(n.__P=!0,n.__=e,n.u=t,N.__H.__h.push(n))}function wt(e){return re=5,St(function(){return{current:e}},[])}function St(e,t){var n=Ue(se++,7);return Tt(n.__H,t)&&(n.__=e(),n.__H=t),n.__}function kt(e,t){return re=8,St(function(){return e},t)}function En(){var e;do{for(;e=He.shift();)try{ae(e)}catch(n){R.__e(n,{__:(e=e.__P)&&e.__v})}for(;e=xt.shift();){var t=e.__H;if(e.__P&&t)try{t.__h.some(ae),t.__h.some(Be),t.__h=[]}catch(n){t.__h=[],R.__e(n,e.__v)}}}while(He.length)}R.__b=function(e){N=null,_t&&_t(e)},R.__=function(e,t){e&&t.__k&&t.__k.__m&&(e.__m=t.__k.__m),bt&&bt(e,t)},R.__r=function(e){ht&&ht(e),se=0;var t=(N=e.__c).__H;t&&(Fe==N?N.__h=[]:(t.__h.some(ae),t.__h.some(Be),se=0),t.__h=[],t.__.some(function(n){n.__N&&(n.__=n.__N),n.u=n.__N=void 0})),Fe=N},R.diffed=function(e){$t&&$t(e);var t=e.__c;t&&t.__H&&(t.__H.__h.length&&vt(xt.push(t)),t.__H.__.some(function(n){n.u&&(n.__H=n.u)})),Fe=N=null},R.__c=function(e,t){t.some(function(n){try{n.__h.some(ae),n.__h=n.__h.filter(function(o){return!o.__||Be(o)})}catch(o){n.__h=[function(){throw o}]}}),mt&&mt(e,t)},R.unmount=function(e){gt&&gt(e);var t,n,o=e.__c;o&&o.__H&&(o.__H.__.some(function(a){try{if(a.__P&&a.__c){if(n===void 0){for(n=e.__;n&&(!n.__c||!n.__c.__P);)n=n.__;n=n&&n.__c}a.__P=n,vt(He.push(a))}else ae(a)}catch(s){t=s}}),o.__H=void 0,t&&R.__e(t,o.__v))};var yt=typeof requestAnimationFrame=="function";function Rn(e){var t,n=function(){clearTimeout(o),yt&&cancelAnimationFrame(t),setTimeout(e)},o=setTimeout(n,35);yt&&(t=requestAnimationFrame(n))}function vt(e){e!=1&&ft==R.requestAnimationFrame||((ft=R.requestAnimationFrame)||Rn)(En)}function ae(e){var t=N,n=e.__c;typeof n=="function"&&(e.__c=void 0,n()),N=t}function Be(e){var t=N;e.__c=e.__(),N=t}function Tt(e,t){return!e||e.length!=t.length||t.some(function(n,o){return!je(n,e[o])})}function Pt(e,t){return typeof t=="function"?t(e):t}var We="infracast.console.session";var X=class extends Error{constructor(t,n,o,a){super(o),this.status=t,this.code=n,this.details=a}},E=Nn(),qe=null,ye=null,Je=new Set;Rt();function Nn(){try{let e=JSON.parse(sessionStorage.getItem(We)??"null");return e&&e.access_token?e:null}catch{return null}}function ve(e){E=e,e?sessionStorage.setItem(We,JSON.stringify(e)):sessionStorage.removeItem(We),Rt();for(let t of Je)t(E)}function Ct(e){return Je.add(e),()=>Je.delete(e)}function Et(){return E}function Rt(){if(clearTimeout(qe),qe=null,!E)return;let e=Math.max(1e3,E.expires_at-Date.now()-6e4);qe=setTimeout(()=>{Ke().catch(()=>{})},e)}async function Nt(e,t){let n=await fetch(e,{method:"POST",headers:{"content-type":"application/json",accept:"application/json"},body:JSON.stringify(t),credentials:"omit",cache:"no-store"});return le(n)}async function le(e){let t=null;try{t=await e.json()}catch{t=null}if(!e.ok||!t||t.error){let n=t?.error??{};throw new X(e.status,n.code??`HTTP_${e.status}`,n.message??`The server answered ${e.status} ${e.statusText}`,n.details??null)}return t}function It(e,t){return{...t,access_token:e.access_token,refresh_token:e.refresh_token,expires_at:Date.now()+e.expires_in*1e3}}async function Lt(e){let{data:t}=await Nt("/api/v1/auth/token",{api_key:e.trim()}),n=It(t,{}),o=await fetch("/api/v1/auth/me",{headers:{authorization:`Bearer ${n.access_token}`,accept:"application/json"},credentials:"omit",cache:"no-store"}).then(le);return ve({...n,role:o.data.role,key_id:o.data.key_id,key_tenant:o.data.tenant,tenant:o.data.tenant}),E}function xe(e){E&&ve({...E,tenant:e})}function ce(){ve(null)}function Ke(){if(!E)return Promise.reject(new X(401,"UNAUTHORIZED","Not signed in"));if(!ye){let e=E;ye=Nt("/api/v1/auth/refresh",{refresh_token:e.refresh_token}).then(({data:t})=>(E&&E.refresh_token===e.refresh_token&&ve(It(t,E)),E)).catch(t=>{throw t.status===401&&ce(),t}).finally(()=>{ye=null})}return ye}async function ie(e,t={},n=!1,o=0){if(!E)throw new X(401,"UNAUTHORIZED","Not signed in");E.expires_at-Date.now()<5e3&&await Ke();let a=await fetch(e,{...t,headers:{...t.headers??{},authorization:`Bearer ${E.access_token}`},credentials:"omit",cache:"no-store"});if(a.status===401&&!n)return await Ke(),ie(e,t,!0,o);if(a.status===429&&o<3){let s=Number(a.headers.get("retry-after"))||1;return await new Promise(l=>setTimeout(l,Math.min(s,30)*1e3)),ie(e,t,n,o+1)}return a}async function b(e,{method:t="GET",body:n,signal:o}={}){let a={method:t,signal:o,headers:{accept:"application/json"}};return n!==void 0&&(a.headers["content-type"]="application/json",a.body=JSON.stringify(n)),le(await ie(e,a))}async function At(e){let t=await ie(e,{headers:{accept:"*/*"}});t.ok||await le(t);let n=t.headers.get("content-disposition")??"",o=/filename="?([^";]+)"?/.exec(n)?.[1]??"report";return{blob:await t.blob(),name:o}}async function Mt(e,t,n){let o=await ie(e,{signal:n,headers:{accept:"text/event-stream"}});o.ok||await le(o);let a=o.body.pipeThrough(new TextDecoderStream).getReader(),s="";try{for(;;){let{value:l,done:i}=await a.read();if(i)break;s+=l.replace(/\r\n?/g,`
`);let u;for(;(u=s.indexOf(`

`))>=0;){let p=s.slice(0,u);s=s.slice(u+2);let c=In(p);c&&t(c)}}}finally{a.releaseLock()}}function In(e){let t="message",n=[];for(let a of e.split(`
`)){if(a.startsWith(":")||a==="")continue;let s=a.indexOf(":"),l=s<0?a:a.slice(0,s),i=s<0?"":a.slice(s+1).replace(/^ /,"");l==="event"&&(t=i),l==="data"&&n.push(i)}if(n.length===0)return null;let o=n.join(`
`);try{return{event:t,data:JSON.parse(o)}}catch{return{event:t,data:o}}}function y(e){if(!E?.tenant)throw new X(400,"BAD_REQUEST","No tenant chosen");return`/api/v1/tenants/${encodeURIComponent(E.tenant)}${e}`}function S(e){let t=new URLSearchParams;for(let[o,a]of Object.entries(e))if(!(a==null||a===""))if(Array.isArray(a))for(let s of a)s!==""&&t.append(o,s);else t.set(o,String(a));let n=t.toString();return n?`?${n}`:""}function Z(){return["admin","analyst","platform_admin"].includes(E?.role)}function we(){return["admin","platform_admin"].includes(E?.role)}var Ge=new Set;function Ot(){for(let e of Ge)e(Dt())}function Dt(){return{path:location.pathname,search:new URLSearchParams(location.search)}}function H(e,{replace:t=!1}={}){t?history.replaceState(null,"",e):history.pushState(null,"",e),Ot()}function Ft(){let[e,t]=g(Dt);return O(()=>(Ge.add(t),()=>Ge.delete(t)),[]),e}function jt(){window.addEventListener("popstate",Ot),document.addEventListener("click",e=>{if(e.defaultPrevented||e.button!==0||e.metaKey||e.ctrlKey||e.shiftKey||e.altKey)return;let t=e.target.closest?.("a[href]");if(!t||t.getAttribute("target")||t.hasAttribute("download"))return;let n=new URL(t.getAttribute("href"),location.href);n.origin!==location.origin||n.pathname.startsWith("/api/")||(e.preventDefault(),H(n.pathname+n.search))})}function I(e){return`/nodes/${encodeURIComponent(e)}`}function Se(e){return`/findings/${encodeURIComponent(e)}`}function Ht(e,t){let n=e.split("/"),o=t.split("/");if(n.length!==o.length)return null;let a={};for(let s=0;s<n.length;s+=1)if(n[s].startsWith(":"))try{a[n[s].slice(1)]=decodeURIComponent(o[s])}catch{return null}else if(n[s]!==o[s])return null;return a}var Ut=function(e,t,n,o){var a;t[0]=0;for(var s=1;s<t.length;s++){var l=t[s++],i=t[s]?(t[0]|=l?1:2,n[t[s++]]):t[++s];l===3?o[0]=i:l===4?o[1]=Object.assign(o[1]||{},i):l===5?(o[1]=o[1]||{})[t[++s]]=i:l===6?o[1][t[++s]]+=i+"":l?(a=e.apply(i,Ut(e,i,n,["",null])),o.push(a),i[0]?t[0]|=2:(t[s-2]=0,t[s]=a)):o.push(i)}return o},Bt=new Map;function qt(e){var t=Bt.get(this);return t||(t=new Map,Bt.set(this,t)),(t=Ut(this,t.get(e)||(t.set(e,t=(function(n){for(var o,a,s=1,l="",i="",u=[0],p=function(f){s===1&&(f||(l=l.replace(/^\s*\n\s*|\s*\n\s*$/g,"")))?u.push(0,f,l):s===3&&(f||l)?(u.push(3,f,l),s=2):s===2&&l==="..."&&f?u.push(4,f,0):s===2&&l&&!f?u.push(5,0,!0,l):s>=5&&((l||!f&&s===5)&&(u.push(s,0,l,a),s=6),f&&(u.push(s,f,0,a),s=6)),l=""},c=0;c<n.length;c++){c&&(s===1&&p(),p(c));for(var _=0;_<n[c].length;_++)o=n[c][_],s===1?o==="<"?(p(),u=[u],s=3):l+=o:s===4?l==="--"&&o===">"?(s=1,l=""):l=o+l[0]:i?o===i?i="":l+=o:o==='"'||o==="'"?i=o:o===">"?(p(),s=1):s&&(o==="="?(s=5,a=l,l=""):o==="/"&&(s<5||n[c][_+1]===">")?(p(),s===3&&(u=u[0]),s=u,(u=u[0]).push(2,0,s),s=0):o===" "||o==="	"||o===`
`||o==="\r"?(p(),s=2):l+=o),s===3&&l==="!--"&&(s=4,u=u[0])}return p(),u})(e)),t),arguments,[])).length>1?t:t[0]}var r=qt.bind(st);function k(e,t){let[n,o]=g({data:null,error:null,loading:!0}),[a,s]=g(0),l=kt(()=>s(i=>i+1),[]);return O(()=>{let i=new AbortController;return o(u=>({...u,loading:!0,error:null})),e(i.signal).then(u=>{i.signal.aborted||o({data:u,error:null,loading:!1})},u=>{!i.signal.aborted&&u.name!=="AbortError"&&o({data:null,error:u,loading:!1})}),()=>i.abort()},[...t,a]),{...n,reload:l}}function Ln({what:e="Loading"}){return r`<p class="muted" role="status">${e}…</p>`}function D({error:e}){return e?r`<div class="error-box" role="alert">
    <strong>${e.code??"Error"}</strong>: ${e.message}
    ${e.details?r`<pre>${JSON.stringify(e.details,null,2)}</pre>`:null}
  </div>`:null}function v({state:e,children:t,what:n}){return e.error?r`<${D} error=${e.error} />`:e.data===null?r`<${Ln} what=${n} />`:t(e.data)}var de=["critical","high","medium","low","info"];function Q({severity:e}){let t=String(e??"").toLowerCase();return r`<span class=${`badge severity-${t}`}>${t}</span>`}function L({status:e}){let t=String(e??"unknown"),n=t.toLowerCase().replace(/[^a-z_]/g,"");return r`<span class=${`badge status-${n}`}>${t.replace(/_/g," ")}</span>`}function ke(e,t,n){return`${e} ${e===1?t:n}`}function z(e){return e==null?"n/a":`${Math.round(e*10)/10}%`}function Jt(e){return e==null?"n/a":`${Math.round(e*1e3)/10}%`}function An(e){if(!e)return"—";let t=new Date(e);return Number.isNaN(t.getTime())?String(e):t.toLocaleString(void 0,{year:"numeric",month:"short",day:"numeric",hour:"2-digit",minute:"2-digit"})}function A({value:e}){return r`<time datetime=${e??""}>${An(e)}</time>`}function F(e){let t=String(e??""),n=t.lastIndexOf(":");return n>=0?t.slice(n+1):t}function ee(e){let t=String(e??"").split(":");return t.length>=4?t[2]:""}function te({value:e,label:t}){return r`<pre class="json" aria-label=${t}>${JSON.stringify(e,null,2)}</pre>`}var Wt=!0;function Mn(e){let t=wt(null);return O(()=>{if(Wt){Wt=!1;return}t.current?.focus({preventScroll:!1})},e),t}function x({children:e,keys:t}){let n=Mn(t??[]);return r`<h1 tabindex="-1" ref=${n}>${e}</h1>`}function Ve(e,t){if(e==null||e==="")return"";if(Array.isArray(e)){let n=e.map(o=>Ve(o,!0)).filter(Boolean);return n.every(o=>!o.includes(":"))?`[${n.join(", ")}]`:n.join("; ")}if(typeof e=="object"){let n=Object.entries(e).map(([o,a])=>[o,Ve(a,!0)]).filter(([,o])=>o!=="").map(([o,a])=>`${o.replace(/_/g," ")}: ${a}`);return t?`(${n.join(", ")})`:n.join(" · ")}return String(e)}function Kt(e){return Ve(e,!1)}function Gt(){let[e,t]=g(""),[n,o]=g(null),[a,s]=g(!1);async function l(i){i.preventDefault(),s(!0),o(null);try{await Lt(e),t("")}catch(u){o(u)}finally{s(!1)}}return r`
    <main id="main" class="signin">
      <form class="card signin-card" onSubmit=${l} aria-labelledby="signin-title">
        <h1 id="signin-title">Sign in to Infracast</h1>
        <p class="muted">Paste an API key (<code>ic_live_…</code>). It is exchanged for short-lived
          tokens and not stored.</p>
        <label for="api-key">API key</label>
        <input id="api-key" name="api-key" type="password" autocomplete="off" spellcheck="false"
          required value=${e} onInput=${i=>t(i.currentTarget.value)} />
        <button type="submit" disabled=${a}>${a?"Signing in…":"Sign in"}</button>
        <${D} error=${n} />
      </form>
    </main>`}function Vt({session:e}){let t=k(n=>b(`/api/v1/tenants${S({per_page:500})}`,{signal:n}),[e.key_id]);return r`
    <main id="main" class="signin">
      <div class="card signin-card">
        <h1>Choose a tenant</h1>
        <p class="muted">You signed in with a platform key (role ${e.role}).</p>
        <${v} state=${t} what="Loading tenants">${n=>n.data.length===0?r`<p>No tenants yet. Create one with <code>POST /api/v1/tenants</code>.</p>`:r`<ul class="tenant-list">
              ${n.data.map(o=>r`<li>
                <button type="button" onClick=${()=>xe(o.id)}>
                  ${o.name} <span class="muted">(${o.id}, ${o.plan})</span>
                </button></li>`)}
            </ul>`}
        </${v}>
        <button type="button" class="link-button" onClick=${ce}>Sign out</button>
      </div>
    </main>`}function zt({rows:e,label:t}){let n=Math.max(1,...e.map(i=>i.value)),o=26,a=90,s=360,l=s-a-50;return r`
    <svg class="chart" viewBox=${`0 0 ${s} ${e.length*o}`} role="img" aria-label=${t}>
      <title>${t}: ${e.map(i=>`${i.label} ${i.value}`).join(", ")}</title>
      ${e.map((i,u)=>{let p=u*o,c=Math.round(i.value/n*l);return r`<g>
          <text x="0" y=${p+17} class="chart-label">${i.label}</text>
          <rect x=${a} y=${p+5} width=${Math.max(c,i.value>0?2:0)} height="16" rx="3" class=${i.className} />
          <text x=${a+c+6} y=${p+17} class="chart-value">${i.value}</text>
        </g>`})}
    </svg>`}function Te({score:e,label:t}){let n=e==null?0:Math.max(0,Math.min(100,e));return r`
    <svg class="score-bar" viewBox="0 0 100 8" preserveAspectRatio="none" role="img" aria-label=${t}>
      <rect x="0" y="0" width="100" height="8" rx="4" class="score-track" />
      <rect x="0" y="0" width=${n} height="8" rx="4" class=${n>=80?"score-good":n>=50?"score-fair":"score-poor"} />
    </svg>`}function Yt({points:e,label:t,unit:n}){let s={left:36,right:12,top:12,bottom:26};if(e.length===0)return null;let l=e.map($=>$.value),i=Math.max(1,...l),u=420-s.left-s.right,p=140-s.top-s.bottom,c=$=>s.left+(e.length===1?u/2:$/(e.length-1)*u),_=$=>s.top+p-$/i*p,f=e.map(($,m)=>`${m===0?"M":"L"}${c(m).toFixed(1)},${_($.value).toFixed(1)}`).join(" "),d=new Date(e[0].at).toLocaleDateString(),h=new Date(e[e.length-1].at).toLocaleDateString();return r`
    <svg class="chart trend" viewBox=${"0 0 420 140"} role="img" aria-label=${t}>
      <title>${t}: ${e.map($=>`${new Date($.at).toLocaleString()} ${$.value} ${n}`).join("; ")}</title>
      <line x1=${s.left} y1=${s.top+p} x2=${420-s.right} y2=${s.top+p} class="axis" />
      <line x1=${s.left} y1=${s.top} x2=${s.left} y2=${s.top+p} class="axis" />
      <text x=${s.left-6} y=${s.top+4} class="chart-value" text-anchor="end">${i}</text>
      <text x=${s.left-6} y=${s.top+p} class="chart-value" text-anchor="end">0</text>
      <path d=${f} class="trend-line" />
      ${e.map(($,m)=>r`<circle cx=${c(m)} cy=${_($.value)} r="3.5" class="trend-point"><title>${new Date($.at).toLocaleString()}: ${$.value} ${n}</title></circle>`)}
      <text x=${s.left} y=${134} class="chart-label">${d}</text>
      <text x=${420-s.right} y=${134} class="chart-label" text-anchor="end">${h}</text>
    </svg>`}async function On(e){let[t,n,o,a,...s]=await Promise.all([b(y("/compliance/frameworks"),{signal:e}),b(y("/compliance/summary"),{signal:e}),b(y(`/exposure${S({per_page:1})}`),{signal:e}),b(y(`/jobs${S({per_page:200})}`),{signal:e}),...de.map(l=>b(y(`/findings${S({severity:l,status:"open",per_page:1})}`),{signal:e}))]);return{frameworks:t.data,summary:n.data,exposed:o.meta.total,jobs:a.data,severities:de.map((l,i)=>({severity:l,count:s[i].meta.total}))}}function Dn(e){let t=new Map,n=[...e].sort((o,a)=>String(a.created_at).localeCompare(String(o.created_at)));for(let o of n)if(!(o.kind!=="discovery"||!Array.isArray(o.scopes)))for(let a of o.scopes){let s=`${a.provider}|${a.account}|${a.region}`;t.has(s)||t.set(s,{...a,job:o})}return[...t.values()].sort((o,a)=>`${o.provider}${o.account}${o.region}`.localeCompare(`${a.provider}${a.account}${a.region}`))}function Pe(e){let t=e?.failing??e?.failing_results;return typeof t=="number"?t:null}function Fn(e,t){let n=e.filter(o=>o.kind==="evaluation"&&o.status==="succeeded"&&Pe(o.counts)!==null).map(o=>({at:o.finished_at??o.created_at,value:Pe(o.counts)}));if(t&&Pe(t.counts)!==null){let o=new Date(t.at).getTime();n.some(s=>Math.abs(new Date(s.at).getTime()-o)<5e3)||n.push({at:t.at,value:Pe(t.counts)})}return n.sort((o,a)=>new Date(o.at)-new Date(a.at))}function jn({frameworks:e}){return r`<div class="cards" data-testid="framework-scores">
    ${e.map(t=>{let n=t.controls_assessed;return r`<a class="card framework-card" href=${`/compliance/${encodeURIComponent(t.id)}`}
          data-framework=${t.id}>
        <h3>${t.name} <span class="muted">${t.revision}</span></h3>
        <p class="score" data-testid="score">${z(t.score)}</p>
        <${Te} score=${t.score} label=${`${t.name} score ${z(t.score)}`} />
        <p class="coverage" data-testid="coverage">
          Coverage: <strong>${n} / ${t.controls_total}</strong> controls assessed${t.coverage===null?"":` (${Math.round(t.coverage)}%)`}
        </p>
        <p class="muted small">${`${t.controls_passing} pass · ${t.controls_failing} fail · ${t.controls_manual} manual · ${t.controls_not_applicable} not applicable`}</p>
      </a>`})}
  </div>`}function Hn({onDone:e}){let[t,n]=g({busy:!1,error:null,message:null});if(!Z())return null;async function o(){n({busy:!0,error:null,message:null});try{let{data:a}=await b(y("/evaluations"),{method:"POST",body:{}});n({busy:!1,error:null,message:r`Evaluation queued as job <a href=${`/jobs/${a.job_id}`}>${String(a.job_id).slice(0,8)}</a>.`}),e?.()}catch(a){n({busy:!1,error:a,message:null})}}return r`<div class="inline-actions">
    <button type="button" onClick=${o} disabled=${t.busy}>Run an evaluation</button>
    <span role="status">${t.message}</span>
    <${D} error=${t.error} />
  </div>`}function Xt(){let e=k(On,[]);return r`
    <${x}>Overview</${x}>
    <${v} state=${e} what="Loading the overview">${t=>{let n=Dn(t.jobs),o=Fn(t.jobs,t.summary.last_evaluation);return r`
        <section aria-labelledby="scores-title">
          <h2 id="scores-title">Compliance by framework</h2>
          <p class="muted small">Score = passing / (passing + failing) controls; coverage = controls
            with an automated verdict (pass or fail) out of all controls.</p>
          <${jn} frameworks=${t.frameworks} />
        </section>
        <div class="grid-2">
          <section class="card" aria-labelledby="severity-title">
            <h2 id="severity-title">Open findings by severity</h2>
            <${zt} label="Open findings by severity"
              rows=${t.severities.map(({severity:a,count:s})=>({label:a,value:s,className:`bar severity-${a}`}))} />
            <ul class="plain-list inline" data-testid="severity-counts">
              ${t.severities.map(({severity:a,count:s})=>r`<li>
                <a href=${`/findings${S({severity:a,status:"open"})}`}>${a}: <strong>${s}</strong></a></li>`)}
            </ul>
          </section>
          <section class="card" aria-labelledby="exposure-title">
            <h2 id="exposure-title">Exposed to the internet</h2>
            <p class="big-number" data-testid="exposed-count">${t.exposed}</p>
            <p>resources reachable from 0.0.0.0/0 or ::/0. <a href="/exposure">See the paths</a></p>
          </section>
        </div>
        <div class="grid-2">
          <section class="card" aria-labelledby="discovery-title">
            <h2 id="discovery-title">Last discovery per account and region</h2>
            ${n.length===0?r`<p>No discovery yet. <a href="/jobs">Start one</a>.</p>`:r`<table data-testid="discoveries">
                  <thead><tr><th scope="col">Provider</th><th scope="col">Account</th><th scope="col">Region</th><th scope="col">Status</th><th scope="col">When</th></tr></thead>
                  <tbody>${n.map(a=>r`<tr>
                    <td>${a.provider}</td><td>${a.account}</td><td>${a.region}</td>
                    <td><${L} status=${a.status} />${a.error?r` <span class="muted small">${a.error}</span>`:null}</td>
                    <td><a href=${`/jobs/${a.job.id}`}><${A} value=${a.job.finished_at??a.job.created_at} /></a></td>
                  </tr>`)}</tbody>
                </table>`}
          </section>
          <section class="card" aria-labelledby="trend-title">
            <h2 id="trend-title">Trend across evaluations</h2>
            ${o.length===0?r`<p>No evaluation recorded yet.</p>`:r`<${Yt} points=${o} unit="failing results" label="Failing rule results per evaluation" />
                <p class="muted small">Failing rule results per evaluation (${o.length} evaluation${o.length===1?"":"s"}; the API keeps
                  no score history, so this plots each evaluation's failing count).</p>`}
            <${Hn} onDone=${e.reload} />
          </section>
        </div>`}}</${v}>`}var Zt=null;function Bn(){return Zt??=fetch("/api/v1/openapi.json",{credentials:"omit"}).then(e=>e.ok?e.json():null).then(e=>({nodeTypes:e?.components?.schemas?.NodeTypeName?.enum??[],edgeKinds:e?.components?.schemas?.EdgeKindName?.enum??[]})).catch(()=>({nodeTypes:[],edgeKinds:[]})),Zt}function Qt(){let[e,t]=g([]);return O(()=>{let n=!0;return Bn().then(o=>n&&t([...o.nodeTypes].sort())),()=>{n=!1}},[]),e}var Un=[["","Name (A→Z)"],["-name","Name (Z→A)"],["type","Type"],["-first_seen","Newest first"],["first_seen","Oldest first"]],qn=50,ze=["types","region","account","q","tag","sort"];function Wn(e){let t={};for(let n of ze)t[n]=e.get(n)??"";return t}function en({search:e}){let t=Wn(e),[n,o]=g(t),a=Qt(),s=ze.map($=>t[$]).join("|");O(()=>o(t),[s]);let[l,i]=g({filterKey:s,cursors:[null]}),u=l.filterKey===s?l.cursors:[null],p=$=>i({filterKey:s,cursors:$}),c=u[u.length-1],_=k($=>b(y(`/nodes${S({types:t.types,region:t.region,account:t.account,q:t.q,tag:t.tag,sort:t.sort||"name",per_page:qn,cursor:c})}`),{signal:$}),[s,c]);function f($){$.preventDefault(),H(`/inventory${S(n)}`)}function d(){let $=Object.fromEntries(ze.map(m=>[m,""]));o($),H("/inventory")}let h=$=>({value:n[$],onInput:m=>o({...n,[$]:m.currentTarget.value})});return r`
    <${x}>Inventory</${x}>
    <form class="filters" onSubmit=${f} aria-label="Filter nodes">
      <div><label for="f-q">Name contains</label><input id="f-q" type="search" ...${h("q")} /></div>
      <div><label for="f-types">Type</label>
        <select id="f-types" ...${h("types")} onChange=${$=>o({...n,types:$.currentTarget.value})}>
          <option value="">Any type</option>
          ${a.map($=>r`<option value=${$}>${$}</option>`)}
        </select></div>
      <div><label for="f-region">Region</label><input id="f-region" placeholder="us-east-1" ...${h("region")} /></div>
      <div><label for="f-account">Account</label><input id="f-account" ...${h("account")} /></div>
      <div><label for="f-tag">Tag (key:value)</label><input id="f-tag" placeholder="env:prod" ...${h("tag")} /></div>
      <div><label for="f-sort">Sort</label>
        <select id="f-sort" ...${h("sort")} onChange=${$=>o({...n,sort:$.currentTarget.value})}>
          ${Un.map(([$,m])=>r`<option value=${$}>${m}</option>`)}
        </select></div>
      <div class="filter-actions"><button type="submit">Apply</button>
        <button type="button" class="secondary" onClick=${d}>Reset</button></div>
    </form>
    <${v} state=${_} what="Loading nodes">${$=>r`
      <p class="muted" role="status" data-testid="node-count">${ke($.meta.total??$.data.length,"node matches","nodes match")}.</p>
      <table data-testid="node-table">
        <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Region</th><th scope="col">Account</th><th scope="col">Tags</th></tr></thead>
        <tbody>${$.data.map(m=>r`<tr>
          <td><a href=${I(m.id)}>${m.name||m.id}</a></td>
          <td><code>${m.type}</code></td><td>${m.region}</td><td>${m.account}</td>
          <td>${Object.entries(m.tags??{}).map(([P,w])=>r`<span class="tag">${P}=${w}</span> `)}</td>
        </tr>`)}</tbody>
      </table>
      <nav class="pager" aria-label="Pages">
        <button type="button" class="secondary" disabled=${u.length<=1}
          onClick=${()=>p(u.slice(0,-1))}>Previous</button>
        <span>Page ${u.length}</span>
        <button type="button" class="secondary" disabled=${!$.meta.next_cursor}
          onClick=${()=>p([...u,$.meta.next_cursor])}>Next</button>
      </nav>`}
    </${v}>`}var tn=12;async function nn(e,t){let{data:n}=await b(y(`/edges${S({node:e,per_page:500})}`),{signal:t});return n}async function an(e,t,n){let o=new Map([[e,0]]),a=new Map,s=await nn(e,n);for(let i of s){a.set(i.id,i);for(let u of[i.src,i.dst])o.has(u)||o.set(u,1)}let l=!1;if(t>=2){let i=[...o.entries()].filter(([,c])=>c===1).map(([c])=>c);l=i.length>tn;let u=i.slice(0,tn),p=await Promise.all(u.map(c=>nn(c,n)));for(let c of p)for(let _ of c){a.set(_.id,_);for(let f of[_.src,_.dst])o.has(f)||o.set(f,2)}}return{centre:e,distance:o,edges:[...a.values()],truncated:l}}function Jn(e){let{centre:t,distance:n,edges:o}=e,a=new Map([[t,{x:0,y:0,angle:0}]]),s=[...n.entries()].filter(([,c])=>c===1).map(([c])=>c).sort(),l=s.length>8?190:160;s.forEach((c,_)=>{let f=2*Math.PI*_/Math.max(s.length,1)-Math.PI/2;a.set(c,{x:l*Math.cos(f),y:l*Math.sin(f),angle:f})});let i=[];for(let[c,_]of n.entries()){if(_!==2)continue;let f=o.map(d=>d.src===c?d.dst:d.dst===c?d.src:null).find(d=>d&&n.get(d)===1)??s[0];i.push({id:c,viaAngle:a.get(f)?.angle??0})}i.sort((c,_)=>c.viaAngle-_.viaAngle||c.id.localeCompare(_.id));let u=Math.max(l+150,i.length*46/(2*Math.PI)),p=i.length?i[0].viaAngle:0;return i.forEach(({id:c},_)=>{let f=p+2*Math.PI*_/i.length;a.set(c,{x:u*Math.cos(f),y:u*Math.sin(f),angle:f})}),a}function on(e,t,n){return e===t?"graph-node centre":`graph-node hop-${n.get(e)}`}function sn({neighbourhood:e}){let{centre:t,distance:n,edges:o}=e,a=Jn(e),s=[...a.values()].map(p=>p.x),l=[...a.values()].map(p=>p.y),i={left:Math.min(...s)-110,top:Math.min(...l)-40,width:Math.max(Math.max(...s)-Math.min(...s)+220,360),height:Math.max(Math.max(...l)-Math.min(...l)+100,200)};i.width===360&&(i.left=(Math.min(...s)+Math.max(...s))/2-180);let u=o.filter(p=>a.has(p.src)&&a.has(p.dst));return r`
    <svg class="graph" viewBox=${`${i.left} ${i.top} ${i.width} ${i.height}`} role="group"
        aria-label=${`Neighbourhood of ${t}: ${n.size-1} nodes, ${u.length} edges`}>
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M0,0 L10,5 L0,10 z" class="arrow-head" />
        </marker>
      </defs>
      ${u.map(p=>{let c=a.get(p.src),_=a.get(p.dst),f=Math.hypot(_.x-c.x,_.y-c.y)||1,d=30,h=_.x-(_.x-c.x)/f*d,$=_.y-(_.y-c.y)/f*d,m=p.src===t||p.dst===t||u.length<=24;return r`<g class="graph-edge" data-kind=${p.kind}>
          <title>${p.src} ${p.kind} ${p.dst}</title>
          <line x1=${c.x} y1=${c.y} x2=${h} y2=${$} marker-end="url(#arrow)" />
          ${m?r`<text x=${(c.x+_.x)/2} y=${(c.y+_.y)/2-4} text-anchor="middle" class="edge-label">${p.kind}</text>`:null}
        </g>`})}
      ${[...a.entries()].map(([p,c])=>{let _=F(p),f=ee(p).replace(/^aws\.ec2\./,""),d=r`
          <circle cx=${c.x} cy=${c.y} r=${p===t?26:20} />
          <text x=${c.x} y=${c.y+(p===t?42:36)} text-anchor="middle" class="node-label">${_}</text>
          <text x=${c.x} y=${c.y+4} text-anchor="middle" class="node-type">${f.slice(0,14)}</text>
          <title>${p}</title>`;return p===t?r`<g class=${on(p,t,n)} data-node=${p}>${d}</g>`:r`<a href=${I(p)} class=${on(p,t,n)} data-node=${p} aria-label=${`${f} ${_}`}>${d}</a>`})}
    </svg>`}function rn({neighbourhood:e}){return r`<table class="compact">
    <caption>Edges in the drawing</caption>
    <thead><tr><th scope="col">From</th><th scope="col">Kind</th><th scope="col">To</th></tr></thead>
    <tbody>${e.edges.map(t=>r`<tr>
      <td><a href=${I(t.src)}>${F(t.src)}</a> <span class="muted small">${ee(t.src)}</span></td>
      <td><code>${t.kind}</code>${t.properties?.cidr?r` <span class="muted small">${t.properties.cidr}</span>`:null}</td>
      <td><a href=${I(t.dst)}>${F(t.dst)}</a> <span class="muted small">${ee(t.dst)}</span></td>
    </tr>`)}</tbody>
  </table>`}function Kn({nodeId:e}){let[t,n]=g(1),o=k(a=>an(e,t,a),[e,t]);return r`
    <section class="card" aria-labelledby="neighbourhood-title">
      <h2 id="neighbourhood-title">Neighbourhood</h2>
      <fieldset class="inline-options">
        <legend>Depth</legend>
        ${[1,2].map(a=>r`<label>
          <input type="radio" name="hops" value=${a} checked=${t===a}
            onChange=${()=>n(a)} /> ${a} hop${a===2?"s":""}</label>`)}
      </fieldset>
      <${v} state=${o} what="Loading the neighbourhood">${a=>r`
        <div data-testid="neighbourhood">
          ${a.edges.length===0?r`<p>This node has no edges.</p>`:r`<${sn} neighbourhood=${a} />`}
          ${a.truncated?r`<p class="muted small">Second hops are drawn from the first 12 neighbours only.</p>`:null}
          <details><summary>Edges as a table (${a.edges.length})</summary>
            <${rn} neighbourhood=${a} /></details>
        </div>`}
      </${v}>
    </section>`}function Gn({nodeId:e}){let t=k(n=>b(y(`/findings${S({node_id:e,per_page:100})}`),{signal:n}),[e]);return r`
    <section class="card" aria-labelledby="node-findings-title">
      <h2 id="node-findings-title">Findings</h2>
      <${v} state=${t} what="Loading findings">${n=>n.data.length===0?r`<p>No findings on this node.</p>`:r`<table class="compact" data-testid="node-findings">
            <thead><tr><th scope="col">Severity</th><th scope="col">Finding</th><th scope="col">Status</th></tr></thead>
            <tbody>${n.data.map(o=>r`<tr>
              <td><${Q} severity=${o.severity} /></td>
              <td><a href=${Se(o.id)}>${o.reason}</a><br /><code class="small">${o.rule_id}</code></td>
              <td><${L} status=${o.status} /></td>
            </tr>`)}</tbody>
          </table>`}
      </${v}>
    </section>`}function ln({nodeId:e}){let t=k(n=>b(y(`/nodes/${encodeURIComponent(e)}`),{signal:n}),[e]);return r`
    <${v} state=${t} what="Loading the node">${({data:n})=>r`
      <${x} keys=${[e]}>${n.name||n.id}</${x}>
      <p class="muted"><code data-testid="node-id">${n.id}</code></p>
      <div class="grid-2">
        <section class="card" aria-labelledby="attributes-title">
          <h2 id="attributes-title">Attributes</h2>
          <dl class="facts">
            <dt>Type</dt><dd><code>${n.type}</code></dd>
            <dt>Provider</dt><dd>${n.provider}</dd>
            <dt>Account</dt><dd>${n.account}</dd>
            <dt>Region</dt><dd>${n.region}</dd>
            <dt>First seen</dt><dd><${A} value=${n.first_seen} /></dd>
            <dt>Last seen</dt><dd><${A} value=${n.last_seen} /></dd>
            <dt>Tags</dt><dd>${Object.keys(n.tags??{}).length===0?"—":Object.entries(n.tags).map(([o,a])=>r`<span class="tag">${o}=${a}</span> `)}</dd>
          </dl>
          ${["aws.ec2.instance","aws.ec2.network_interface"].includes(n.type)?r`<p><a class="button" href=${`/paths${S({source:n.id})}`}>Trace a path from here</a></p>`:null}
        </section>
        <${Gn} nodeId=${n.id} />
      </div>
      <${Kn} nodeId=${n.id} />
      <section class="card" aria-labelledby="properties-title">
        <h2 id="properties-title">Properties</h2>
        <${te} value=${n.properties} label="Node properties" />
      </section>`}
    </${v}>`}var Ye=["severity","status","rule_id","framework","node_id","sort"],Vn=[["-severity","Most severe first"],["severity","Least severe first"],["-last_seen","Recently seen"],["-first_seen","Newest"],["first_seen","Oldest"]],zn=50;async function Yn(e,t){let{data:n}=await b(y(`/compliance/controls${S({framework:e})}`),{signal:t});return[...new Set(n.controls.flatMap(o=>o.rules))].sort()}async function Xn(e,t,n){let o=e.rule_id?e.rule_id.split(","):[];if(e.framework){let a=await Yn(e.framework,n);if(o=o.length?o.filter(s=>a.includes(s)):a,o.length===0)return{data:[],meta:{total:0}}}return b(y(`/findings${S({severity:e.severity,status:e.status,rule_id:o.join(","),node_id:e.node_id,sort:e.sort||"-severity",per_page:zn,cursor:t})}`),{signal:n})}function cn({search:e}){let t=Object.fromEntries(Ye.map(h=>[h,e.get(h)??""])),n=Ye.map(h=>t[h]).join("|"),[o,a]=g(t);O(()=>a(t),[n]);let[s,l]=g({filterKey:n,cursors:[null]}),i=s.filterKey===n?s.cursors:[null],u=h=>l({filterKey:n,cursors:h}),p=i[i.length-1],c=k(h=>b(y("/compliance/frameworks"),{signal:h}),[]),_=k(h=>Xn(t,p,h),[n,p]),f=h=>({value:o[h],onChange:$=>a({...o,[h]:$.currentTarget.value})});function d(h){h.preventDefault(),H(`/findings${S(o)}`)}return r`
    <${x}>Findings</${x}>
    <form class="filters" onSubmit=${d} aria-label="Filter findings">
      <div><label for="f-severity">Severity</label>
        <select id="f-severity" ...${f("severity")}>
          <option value="">Any severity</option>
          <option value="critical,high">Critical and high</option>
          ${de.map(h=>r`<option value=${h}>${h}</option>`)}
        </select></div>
      <div><label for="f-status">Status</label>
        <select id="f-status" ...${f("status")}>
          <option value="">Any status</option>
          ${["open","accepted","resolved"].map(h=>r`<option value=${h}>${h}</option>`)}
        </select></div>
      <div><label for="f-rule">Rule id</label>
        <input id="f-rule" value=${o.rule_id} placeholder="aws.ec2.sg_ssh_open_to_internet"
          onInput=${h=>a({...o,rule_id:h.currentTarget.value.trim()})} /></div>
      <div><label for="f-node">Resource id</label>
        <input id="f-node" value=${o.node_id}
          onInput=${h=>a({...o,node_id:h.currentTarget.value.trim()})} /></div>
      <div><label for="f-framework">Framework</label>
        <select id="f-framework" ...${f("framework")}>
          <option value="">Any framework</option>
          ${(c.data?.data??[]).map(h=>r`<option value=${h.id}>${h.name}</option>`)}
        </select></div>
      <div><label for="f-sort">Sort</label>
        <select id="f-sort" ...${f("sort")}>
          ${Vn.map(([h,$])=>r`<option value=${h}>${$}</option>`)}
        </select></div>
      <div class="filter-actions"><button type="submit">Apply</button>
        <button type="button" class="secondary" onClick=${()=>{a(Object.fromEntries(Ye.map(h=>[h,""]))),H("/findings")}}>Reset</button></div>
    </form>
    <${v} state=${_} what="Loading findings">${h=>r`
      <p class="muted" role="status">${ke(h.meta.total??h.data.length,"finding matches","findings match")}.</p>
      <table data-testid="findings-table">
        <thead><tr><th scope="col">Severity</th><th scope="col">Finding</th><th scope="col">Resource</th><th scope="col">Status</th><th scope="col">Last seen</th></tr></thead>
        <tbody>${h.data.map($=>r`<tr>
          <td><${Q} severity=${$.severity} /></td>
          <td><a href=${Se($.id)}>${$.reason}</a><br /><code class="small">${$.rule_id}</code></td>
          <td><a href=${I($.node_id)}>${F($.node_id)}</a><br /><span class="muted small">${$.node_type}</span></td>
          <td><${L} status=${$.status} /></td>
          <td><${A} value=${$.last_seen} /></td>
        </tr>`)}</tbody>
      </table>
      <nav class="pager" aria-label="Pages">
        <button type="button" class="secondary" disabled=${i.length<=1} onClick=${()=>u(i.slice(0,-1))}>Previous</button>
        <span>Page ${i.length}</span>
        <button type="button" class="secondary" disabled=${!h.meta.next_cursor} onClick=${()=>u([...i,h.meta.next_cursor])}>Next</button>
      </nav>`}
    </${v}>`}function Zn(e,t){return t?e.seq===t.seq&&e.component===t.component&&e.node_id===t.node_id:!1}function Qn(e){let t=String(e).replace(/_/g," ").replace(/\bacl\b/g,"ACL").replace(/\bnat\b/g,"NAT");return t.charAt(0).toUpperCase()+t.slice(1)}function eo(e){return`verdict verdict-${String(e).toLowerCase()}`}function Y({hops:e,blockedAt:t,label:n,testId:o}){return!e||e.length===0?r`<p class="muted">No ${n.toLowerCase()}.</p>`:r`
    <ol class="hops" aria-label=${n} data-testid=${o}>
      ${e.map(a=>{let s=Zn(a,t);return r`<li class=${`hop${s?" blocking":""}`} data-seq=${a.seq}
            data-verdict=${a.verdict} data-blocking=${s?"true":void 0}>
          <div class="hop-head">
            <span class="hop-seq">${a.seq}</span>
            <span class="hop-component">${Qn(a.component)}</span>
            <span class=${eo(a.verdict)}>${a.verdict}</span>
          </div>
          ${s?r`<p class="blocking-label"><strong>Blocking hop</strong></p>`:null}
          <p class="hop-node"><a href=${I(a.node_id)} title=${a.node_id}>${F(a.node_id)}</a>
            <span class="muted small"> ${ee(a.node_id)}</span></p>
          ${a.matched?r`<p class="hop-matched"><span class="muted">matched</span> <code>${Kt(a.matched)}</code></p>`:null}
          <p class="hop-text">${a.text}</p>
          <p class="muted small"><code>${a.reason_code}</code></p>
        </li>`})}
    </ol>`}function to({remediation:e}){return e?typeof e=="string"?r`<p>${e}</p>`:r`
    ${e.text?r`<p data-testid="fix">${e.text}</p>`:null}
    ${e.cli?r`<p>CLI:</p><pre>${e.cli}</pre>`:null}
    ${e.terraform?r`<p>Terraform:</p><pre>${e.terraform}</pre>`:null}
    ${e.url?r`<p><a href=${e.url} rel="noreferrer noopener" target="_blank">Reference</a></p>`:null}`:r`<p>No remediation recorded.</p>`}function no({evidence:e}){let t=e?.path_proof;return r`
    ${t?r`
      <h3>Path proof</h3>
      ${Array.isArray(t.open)&&t.open.length?r`<p>Open from the internet: ${t.open.map(n=>r`<span class="tag">${n.protocol} ${n.from_port===n.to_port?n.from_port:`${n.from_port}-${n.to_port}`} (${n.address_family})</span> `)}</p>`:null}
      <${Y} hops=${t.hops} label="Path proof hops" testId="proof-hops" />`:null}
    ${Array.isArray(e?.exposed_members)?r`
      <h3>Exposure</h3>
      <p>${e.exposure} (${e.exposed_members.length} of ${e.members} members shown reachable):</p>
      <ul class="plain-list inline">${e.exposed_members.map(n=>r`<li><a href=${I(n)}>${F(n)}</a></li>`)}</ul>`:null}
    <details><summary>Raw evidence</summary><${te} value=${e} label="Evidence" /></details>`}function oo(){let e=new Date(Date.now()+2592e6);e.setSeconds(0,0);let t=n=>String(n).padStart(2,"0");return`${e.getFullYear()}-${t(e.getMonth()+1)}-${t(e.getDate())}T${t(e.getHours())}:${t(e.getMinutes())}`}function ao({finding:e,onChanged:t}){let[n,o]=g({kind:"risk_accepted",reason:"",expires:oo()}),[a,s]=g(""),[l,i]=g({busy:!1,error:null,message:null});async function u(_,f){i({busy:!0,error:null,message:null});try{await b(y(`/findings/${encodeURIComponent(e.id)}/${_}`),{method:"POST",body:f}),i({busy:!1,error:null,message:_==="accept"?"Finding accepted.":"Finding resolved."}),t()}catch(d){i({busy:!1,error:d,message:null})}}function p(_){_.preventDefault();let f={kind:n.kind,reason:n.reason};n.expires&&(f.expires_at=new Date(n.expires).toISOString()),u("accept",f)}function c(_){_.preventDefault(),u("resolve",{reason:a})}return r`
    <section class="card" aria-labelledby="triage-title">
      <h2 id="triage-title">Triage</h2>
      <p role="status" data-testid="triage-status">${l.message}</p>
      <${D} error=${l.error} />
      <div class="grid-2">
        <form onSubmit=${p} aria-labelledby="accept-title" data-testid="accept-form">
          <h3 id="accept-title">Accept</h3>
          <label for="accept-kind">Kind</label>
          <select id="accept-kind" value=${n.kind} onChange=${_=>o({...n,kind:_.currentTarget.value})}>
            <option value="risk_accepted">Risk accepted</option>
            <option value="false_positive">False positive</option>
          </select>
          <label for="accept-reason">Reason</label>
          <textarea id="accept-reason" required rows="3" value=${n.reason}
            onInput=${_=>o({...n,reason:_.currentTarget.value})}></textarea>
          <label for="accept-expires">Expires (the finding reopens then; empty = never)</label>
          <input id="accept-expires" type="datetime-local" value=${n.expires}
            onInput=${_=>o({...n,expires:_.currentTarget.value})} />
          <button type="submit" disabled=${l.busy}>Accept finding</button>
        </form>
        <form onSubmit=${c} aria-labelledby="resolve-title">
          <h3 id="resolve-title">Resolve</h3>
          <label for="resolve-reason">Reason</label>
          <textarea id="resolve-reason" required rows="3" value=${a}
            onInput=${_=>s(_.currentTarget.value)}></textarea>
          <button type="submit" disabled=${l.busy}>Resolve finding</button>
        </form>
      </div>
    </section>`}function dn({findingId:e}){let t=k(n=>b(y(`/findings/${encodeURIComponent(e)}`),{signal:n}),[e]);return r`
    <${v} state=${t} what="Loading the finding">${({data:n})=>{let o=n.rule??{};return r`
        <${x} keys=${[e]}>${o.title??n.rule_id}</${x}>
        <p class="finding-head">
          <${Q} severity=${n.severity} />
          <span data-testid="finding-status"><${L} status=${n.status} /></span>
          <code>${n.rule_id}</code> v${n.rule_version}
        </p>
        <div class="grid-2">
          <section class="card" aria-labelledby="why-title">
            <h2 id="why-title">Why</h2>
            <p class="reason" data-testid="finding-reason">${n.reason}</p>
            <p>Resource: <a href=${I(n.node_id)}>${n.node_id}</a></p>
            <dl class="facts">
              <dt>First seen</dt><dd><${A} value=${n.first_seen} /></dd>
              <dt>Last seen</dt><dd><${A} value=${n.last_seen} /></dd>
              <dt>Reopened</dt><dd>${n.reopen_count} times</dd>
              ${n.acceptance?r`
                <dt>Accepted</dt><dd>${n.acceptance.kind.replace(/_/g," ")} by ${n.acceptance.by??"—"}: “${n.acceptance.reason}”
                  ${n.acceptance.expires_at?r`, until <${A} value=${n.acceptance.expires_at} />`:""}</dd>`:null}
              ${n.resolution_reason?r`<dt>Resolved</dt><dd>${n.resolution_reason}</dd>`:null}
            </dl>
          </section>
          <section class="card" aria-labelledby="rule-title">
            <h2 id="rule-title">The rule</h2>
            ${o.description?r`<p data-testid="rule-text">${o.description}</p>`:null}
            ${o.risk?r`<p><strong>Risk:</strong> ${o.risk}</p>`:null}
            <h3>Fix</h3>
            <${to} remediation=${o.remediation} />
            ${Array.isArray(o.references)&&o.references.length?r`<p class="muted small">References: ${o.references.join(" · ")}</p>`:null}
            ${o.condition?r`<p class="muted small">Condition: <code>${o.condition}</code></p>`:null}
          </section>
        </div>
        <section class="card" aria-labelledby="evidence-title">
          <h2 id="evidence-title">Evidence</h2>
          <${no} evidence=${n.evidence} />
        </section>
        ${Z()?r`<${ao} finding=${n} onChanged=${t.reload} />`:null}`}}</${v}>`}function so(){let e=k(t=>b(y("/compliance/frameworks"),{signal:t}),[]);return r`
    <${x}>Compliance</${x}>
    <${v} state=${e} what="Loading frameworks">${({data:t})=>r`
      <table data-testid="framework-table">
        <thead><tr><th scope="col">Framework</th><th scope="col">Score</th><th scope="col">Coverage</th><th scope="col">Pass</th><th scope="col">Fail</th><th scope="col">Manual</th><th scope="col">N/A</th></tr></thead>
        <tbody>${t.map(n=>r`<tr>
          <td><a href=${`/compliance/${encodeURIComponent(n.id)}`}>${n.name}</a> <span class="muted">${n.revision}</span></td>
          <td>${z(n.score)}</td>
          <td title=${n.coverage_text}>${n.controls_assessed} / ${n.controls_total}</td>
          <td>${n.controls_passing}</td><td>${n.controls_failing}</td>
          <td>${n.controls_manual}</td><td>${n.controls_not_applicable}</td>
        </tr>`)}</tbody>
      </table>`}
    </${v}>`}function ro(e){let t=new Map;for(let n of e)t.has(n.section)||t.set(n.section,[]),t.get(n.section).push(n);return[...t.entries()]}function io({control:e}){return r`
    <details class=${`control control-${e.status.toLowerCase()}`} data-control=${e.id} data-status=${e.status}>
      <summary>
        <span class="control-id">${e.id}</span>
        <span class="control-title">${e.title}</span>
        <${L} status=${e.status} />
        <span class="muted small" title="passing resources / evaluated resources">${Jt(e.score)} of resources pass</span>
      </summary>
      <div class="control-body">
        <p class="muted small">Formula: ${e.formula}</p>
        <p>${`Resources: ${e.resources_evaluated} evaluated · ${e.resources_passing} passing · ${e.resources_failing} failing · ${e.resources_accepted} accepted. `}
          ${`Rules: ${e.rules_passing} passing · ${e.rules_failing} failing${e.rules_errored?` · ${e.rules_errored} errored`:""}.`}</p>
        ${e.rules.length===0?r`<p data-testid="manual-check">No automated rule. Check by hand: ${e.manual_check}</p>`:r`
          <p>Rules: ${e.rules.map(t=>r`<a class="tag" href=${`/findings${S({rule_id:t})}`}>${t}</a> `)}</p>`}
        ${e.failing_resources.length?r`
          <table class="compact" data-testid="failing-resources">
            <caption>${e.failing_resources_total>e.failing_resources.length?`Failing resources (first ${e.failing_resources.length} of ${e.failing_resources_total}; the findings list has all)`:`Failing resources (${e.failing_resources.length})`}</caption>
            <thead><tr><th scope="col">Resource</th><th scope="col">Why</th><th scope="col">Findings</th></tr></thead>
            <tbody>${e.failing_resources.map(t=>r`<tr>
              <td><a href=${I(t.node_id)} data-testid="failing-resource" data-node=${t.node_id}>${F(t.node_id)}</a><br /><span class="muted small">${t.node_id.split(":")[2]}</span></td>
              <td>${t.reason}</td>
              <td><a href=${`/findings${S({rule_id:t.rule_id,node_id:t.node_id})}`}>findings</a></td>
            </tr>`)}</tbody>
          </table>`:null}
      </div>
    </details>`}function lo({framework:e}){let t=k(n=>b(y(`/compliance/controls${S({framework:e})}`),{signal:n}),[e]);return r`
    <${v} state=${t} what="Loading controls">${({data:n,meta:o})=>r`
      <${x} keys=${[e]}>${n.name} <span class="muted">${n.revision}</span></${x}>
      <p><a href="/compliance">All frameworks</a></p>
      <div class="card framework-summary">
        <p class="score" data-testid="framework-score">${z(n.score)}</p>
        <${Te} score=${n.score} label=${`Score ${z(n.score)}`} />
        <p data-testid="framework-coverage">Coverage: <strong>${n.controls_assessed} / ${n.controls_total}</strong> controls assessed
          (${n.controls_passing} pass, ${n.controls_failing} fail, ${n.controls_manual} manual, ${n.controls_not_applicable} not applicable)</p>
        <p class="muted small">${n.formula}</p>
        <p class="muted small" data-testid="scored-evaluation">${o?.evaluation?r`Scores of the evaluation of ${new Date(o.evaluation.evaluated_at).toLocaleString()}${o.evaluation.job_id?r` (job <a href=${`/jobs/${o.evaluation.job_id}`}>${String(o.evaluation.job_id).slice(0,8)}</a>)`:null}, graph generation ${o.evaluation.graph_generation}.`:"No evaluation yet: nothing is assessed."}</p>
      </div>
      ${ro(n.controls).map(([a,s])=>r`
        <section class="section" aria-label=${a}>
          <h2>${a}</h2>
          ${s.map(l=>r`<${io} control=${l} />`)}
        </section>`)}`}
    </${v}>`}function Xe({framework:e}){return e?r`<${lo} framework=${e} />`:r`<${so} />`}var co="aws.ec2.instance,aws.ec2.network_interface";function uo({result:e}){return r`
    <section class="card" aria-labelledby="verdict-title" data-testid="trace-result">
      <h2 id="verdict-title">Verdict</h2>
      <p class=${`verdict-line ${e.reachable?"reachable":"unreachable"}`}>
        <strong data-testid="trace-reachable">${e.reachable?"Reachable":"Not reachable"}</strong>
        <span data-testid="trace-disposition"><${L} status=${e.disposition} /></span>
      </p>
      ${e.blocked_at?r`<p>Blocked at hop ${e.blocked_at.seq}: <code>${e.blocked_at.component}</code> on <code>${e.blocked_at.node_id}</code></p>`:null}
      <ul>${(e.explanations??[]).map(t=>r`<li><code>${t.reason_code}</code> ${t.text}</li>`)}</ul>
      ${(e.assumptions??[]).length?r`<p><strong>Assumptions:</strong></p>
        <ul>${e.assumptions.map(t=>r`<li>${typeof t=="string"?t:JSON.stringify(t)}</li>`)}</ul>`:null}
    </section>
    <section class="card" aria-labelledby="forward-title">
      <h2 id="forward-title">Forward path</h2>
      <${Y} hops=${e.forward_hops} blockedAt=${e.blocked_at} label="Forward hops" testId="forward-hops" />
    </section>
    <section class="card" aria-labelledby="return-title">
      <h2 id="return-title">Return path</h2>
      <${Y} hops=${e.return_hops} blockedAt=${e.blocked_at} label="Return hops" testId="return-hops" />
    </section>`}function un({search:e}){let[t,n]=g({source:e.get("source")??"",destinationKind:e.get("destination_node")?"node":"cidr",cidr:e.get("cidr")??"0.0.0.0/0",destinationNode:e.get("destination_node")??"",port:e.get("port")??"443",protocol:e.get("protocol")??"tcp"}),[o,a]=g({busy:!1,result:null,error:null}),s=k(c=>b(y(`/nodes${S({types:co,per_page:500,sort:"name"})}`),{signal:c}),[]),l=c=>_=>n({...t,[c]:_.currentTarget.value}),i=t.protocol==="tcp"||t.protocol==="udp";async function u(c){c.preventDefault();let _={source_node_id:t.source.trim(),protocol:t.protocol};t.destinationKind==="cidr"?_.destination_cidr=t.cidr.trim():_.destination_node_id=t.destinationNode.trim(),i&&(_.port=Number(t.port)),a({busy:!0,result:null,error:null});try{let{data:f}=await b(y("/pathtracer/trace"),{method:"POST",body:_});a({busy:!1,result:f,error:null})}catch(f){a({busy:!1,result:null,error:f})}}let p=(s.data?.data??[]).map(c=>r`<option value=${c.id}>${c.name} (${c.type.replace("aws.ec2.","")})</option>`);return r`
    <${x}>Path tracer</${x}>
    <form class="card trace-form" onSubmit=${u} aria-label="Trace a path">
      <datalist id="endpoint-nodes">${p}</datalist>
      <div class="field wide"><label for="t-source">Source node (instance or network interface)</label>
        <input id="t-source" list="endpoint-nodes" required value=${t.source} onInput=${l("source")}
          placeholder="aws:us-east-1:aws.ec2.instance:i-…" /></div>
      <fieldset class="inline-options">
        <legend>Destination</legend>
        <label><input type="radio" name="destination-kind" value="cidr" checked=${t.destinationKind==="cidr"} onChange=${l("destinationKind")} /> CIDR</label>
        <label><input type="radio" name="destination-kind" value="node" checked=${t.destinationKind==="node"} onChange=${l("destinationKind")} /> Node</label>
      </fieldset>
      ${t.destinationKind==="cidr"?r`<div class="field"><label for="t-cidr">Destination CIDR</label>
            <input id="t-cidr" required value=${t.cidr} onInput=${l("cidr")} /></div>`:r`<div class="field wide"><label for="t-destination">Destination node</label>
            <input id="t-destination" list="endpoint-nodes" required value=${t.destinationNode} onInput=${l("destinationNode")} /></div>`}
      <div class="field"><label for="t-protocol">Protocol</label>
        <select id="t-protocol" value=${t.protocol} onChange=${l("protocol")}>
          ${["tcp","udp","icmp","all"].map(c=>r`<option value=${c}>${c}</option>`)}
        </select></div>
      ${i?r`<div class="field"><label for="t-port">Port</label>
        <input id="t-port" type="number" min="0" max="65535" required value=${t.port} onInput=${l("port")} /></div>`:null}
      <div class="field"><button type="submit" disabled=${o.busy}>${o.busy?"Tracing…":"Trace"}</button></div>
    </form>
    <${D} error=${o.error} />
    ${o.result?r`<${uo} result=${o.result} />`:null}`}var po=25;function fo(e){return(e??[]).map(t=>`${t.protocol} ${t.from_port===t.to_port?t.from_port:`${t.from_port}-${t.to_port}`}${t.address_family==="ipv6"?" (IPv6)":""}`)}function pn(){let[e,t]=g(1),n=k(o=>b(y(`/exposure${S({page:e,per_page:po})}`),{signal:o}),[e]);return r`
    <${x}>Exposure</${x}>
    <p>Resources reachable from 0.0.0.0/0 or ::/0, each with the path that proves it.</p>
    <${v} state=${n} what="Loading exposure">${o=>r`
      <p class="muted" role="status" data-testid="exposure-total">${o.meta.total} exposed resources.</p>
      <ul class="exposure-list">
        ${o.data.map(a=>r`<li class="card" data-node=${a.node_id}>
          <h2 class="h3"><a href=${I(a.node_id)}>${a.node_id}</a></h2>
          <p>${a.public_address?r`Public address <code>${a.public_address}</code> · `:null}
            open: ${fo(a.open).map(s=>r`<span class="tag">${s}</span> `)}</p>
          <details><summary>Path proof (${(a.path??[]).length} hops)</summary>
            <${Y} hops=${a.path} label=${`Path proof for ${a.node_id}`} testId="exposure-hops" />
          </details>
        </li>`)}
      </ul>
      <nav class="pager" aria-label="Pages">
        <button type="button" class="secondary" disabled=${e<=1} onClick=${()=>t(e-1)}>Previous</button>
        <span>Page ${e} of ${Math.max(1,o.meta.total_pages)}</span>
        <button type="button" class="secondary" disabled=${e>=o.meta.total_pages} onClick=${()=>t(e+1)}>Next</button>
      </nav>`}
    </${v}>`}var fn={fixture:'{"sample": true}',aws:'{"regions": ["us-east-1"]}'};function _o(){let[e,t]=g("fixture"),[n,o]=g(fn.fixture),[a,s]=g({busy:!1,error:null});async function l(i){i.preventDefault();let u;try{u=JSON.parse(n)}catch(p){s({busy:!1,error:{code:"BAD_REQUEST",message:`The configuration is not JSON: ${p.message}`}});return}s({busy:!0,error:null});try{let{data:p}=await b(y("/jobs"),{method:"POST",body:{provider:e,config:u,start:!0}});H(`/jobs/${encodeURIComponent(p.id)}`)}catch(p){s({busy:!1,error:p})}}return r`
    <form class="card" onSubmit=${l} aria-labelledby="start-title" data-testid="start-discovery">
      <h2 id="start-title">Start a discovery</h2>
      <div class="grid-2">
        <div>
          <label for="d-provider">Provider</label>
          <select id="d-provider" value=${e} onChange=${i=>{let u=i.currentTarget.value;t(u),o(fn[u])}}>
            <option value="fixture">fixture (inventory file or the sample estate)</option>
            <option value="aws">aws</option>
          </select>
        </div>
        <div>
          <label for="d-config">Configuration (JSON)</label>
          <textarea id="d-config" rows="3" spellcheck="false" value=${n} onInput=${i=>o(i.currentTarget.value)}></textarea>
        </div>
      </div>
      <button type="submit" disabled=${a.busy}>Start discovery</button>
      <${D} error=${a.error} />
    </form>`}function ho(e){let t=e.counts??{};return e.kind==="discovery"&&"nodes_seen"in t?`${t.nodes_seen} nodes (+${t.nodes_added} ~${t.nodes_changed} −${t.nodes_removed})`:"failing"in t?`${t.failing} failing of ${t.results} results`:""}function _n(){let[e,t]=g(1),n=k(o=>b(y(`/jobs${S({page:e,per_page:25})}`),{signal:o}),[e]);return r`
    <${x}>Jobs</${x}>
    ${we()?r`<${_o} />`:null}
    <${v} state=${n} what="Loading jobs">${o=>r`
      <table data-testid="jobs-table">
        <thead><tr><th scope="col">Job</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Finished</th><th scope="col">Outcome</th></tr></thead>
        <tbody>${o.data.map(a=>r`<tr>
          <td><a href=${`/jobs/${encodeURIComponent(a.id)}`}><code>${a.id.slice(0,8)}</code></a></td>
          <td>${a.kind}${a.provider?` (${a.provider})`:""}</td>
          <td><${L} status=${a.status} /></td>
          <td><${A} value=${a.created_at} /></td>
          <td><${A} value=${a.finished_at} /></td>
          <td>${ho(a)}</td>
        </tr>`)}</tbody>
      </table>
      <nav class="pager" aria-label="Pages">
        <button type="button" class="secondary" disabled=${e<=1} onClick=${()=>t(e-1)}>Previous</button>
        <span>Page ${e} of ${Math.max(1,o.meta.total_pages)}</span>
        <button type="button" class="secondary" disabled=${e>=o.meta.total_pages} onClick=${()=>t(e+1)}>Next</button>
      </nav>`}
    </${v}>`}var hn=["succeeded","partially_succeeded","failed","cancelled"];function $o({jobId:e}){let t=k(n=>b(y(`/jobs/${encodeURIComponent(e)}/diff`),{signal:n}),[e]);return r`
    <section class="card" aria-labelledby="diff-title">
      <h2 id="diff-title">What changed</h2>
      <${v} state=${t} what="Loading the diff">${({data:n})=>r`
        <table class="compact" data-testid="job-diff">
          <thead><tr><th scope="col"></th><th scope="col">Nodes</th><th scope="col">Edges</th></tr></thead>
          <tbody>${["added","changed","removed"].map(o=>r`<tr>
            <th scope="row">${o}</th>
            <td data-change=${o}>${n.diff[o].nodes.length}</td>
            <td>${n.diff[o].edges.length}</td>
          </tr>`)}</tbody>
        </table>
        ${["added","changed","removed"].map(o=>n.diff[o].nodes.length?r`
          <details><summary>${o} nodes (${n.diff[o].nodes.length})</summary>
            <ul class="plain-list columns">${n.diff[o].nodes.map(a=>r`<li>${o==="removed"?r`<span title=${a}>${F(a)}</span>`:r`<a href=${I(a)} title=${a}>${F(a)}</a>`}</li>`)}</ul>
          </details>`:null)}`}
      </${v}>
    </section>`}function mo({initial:e}){let[t,n]=g(e),[o,a]=g(0),[s,l]=g(null),[i,u]=g(null),p=hn.includes(t.status);O(()=>{if(hn.includes(e.status))return;let f=new AbortController;return Mt(y(`/jobs/${encodeURIComponent(e.id)}/events`),({event:d,data:h})=>{h&&typeof h=="object"&&(n($=>({...$,...h})),a($=>$+1)),d==="done"&&b(y(`/jobs/${encodeURIComponent(e.id)}`),{signal:f.signal}).then(({data:$})=>n($),()=>{})},f.signal).catch(d=>{d.name!=="AbortError"&&l(d)}),()=>f.abort()},[e.id]);async function c(){try{await b(y(`/jobs/${encodeURIComponent(t.id)}/cancel`),{method:"POST",body:{}})}catch(f){u(f)}}let _=t.progress??{};return r`
    <section class="card" aria-labelledby="state-title">
      <h2 id="state-title">State</h2>
      <p aria-live="polite" data-testid="job-status">Status: <${L} status=${t.status} />
        ${p?null:r`<span class="spinner" aria-hidden="true"></span> live (${o} updates)`}</p>
      <dl class="facts">
        <dt>Kind</dt><dd>${t.kind}${t.provider?` (${t.provider})`:""}</dd>
        <dt>Created</dt><dd><${A} value=${t.created_at} /></dd>
        <dt>Finished</dt><dd data-testid="job-finished"><${A} value=${t.finished_at} /></dd>
        <dt>Progress</dt><dd data-testid="job-progress">${_.last_event??"waiting for a worker"}
          ${_.scopes_finished!==void 0?` · ${_.scopes_finished} scopes finished, ${_.pages_fetched??0} pages, ${_.items_fetched??0} items`:""}</dd>
      </dl>
      ${Array.isArray(t.scopes)&&t.scopes.length?r`<table class="compact">
        <caption>Scopes</caption>
        <thead><tr><th scope="col">Provider</th><th scope="col">Account</th><th scope="col">Region</th><th scope="col">Status</th><th scope="col">Nodes</th><th scope="col">Gaps / error</th></tr></thead>
        <tbody>${t.scopes.map(f=>r`<tr>
          <td>${f.provider}</td><td>${f.account}</td><td>${f.region}</td>
          <td><${L} status=${f.status} /></td><td>${f.nodes}</td>
          <td>${f.error??(f.gaps??[]).map(d=>typeof d=="string"?d:JSON.stringify(d)).join("; ")}</td>
        </tr>`)}</tbody></table>`:null}
      ${Array.isArray(t.errors)&&t.errors.length?r`<div class="error-box" role="alert"><strong>Errors</strong><ul>${t.errors.map(f=>r`<li>${typeof f=="string"?f:JSON.stringify(f)}</li>`)}</ul></div>`:null}
      <details><summary>Counts</summary><${te} value=${t.counts} label="Counts" /></details>
      ${!p&&we()?r`<button type="button" class="secondary" onClick=${c}>Cancel job</button>`:null}
      <${D} error=${s??i} />
    </section>
    ${p&&t.kind==="discovery"?r`<${$o} jobId=${t.id} />`:null}`}function $n({jobId:e}){let t=k(n=>b(y(`/jobs/${encodeURIComponent(e)}`),{signal:n}),[e]);return r`
    <${x} keys=${[e]}>Job <code>${e.slice(0,8)}</code></${x}>
    <p><a href="/jobs">All jobs</a></p>
    <${v} state=${t} what="Loading the job">${({data:n})=>r`<${mo} initial=${n} />`}</${v}>`}var go=[["pdf","PDF"],["html","HTML"],["csv","CSV (findings)"],["json","JSON"],["ocsf","OCSF (findings)"]],bo=["pdf","html","json"],yo=1e3;function vo({onGenerated:e}){let t=k(u=>b(y("/compliance/frameworks"),{signal:u}),[]),[n,o]=g({framework:"cis-aws-foundations",format:"pdf",title:""}),[a,s]=g({busy:!1,error:null}),l=u=>p=>o({...n,[u]:p.currentTarget.value});async function i(u){u.preventDefault();let p={format:n.format};n.framework&&(p.framework=n.framework),n.title.trim()&&(p.title=n.title.trim()),s({busy:!0,error:null});try{await b(y("/reports/generate"),{method:"POST",body:p}),s({busy:!1,error:null}),e()}catch(c){s({busy:!1,error:c})}}return r`
    <form class="card" onSubmit=${i} aria-labelledby="generate-title" data-testid="generate-report">
      <h2 id="generate-title">Generate a report</h2>
      <div class="grid-3">
        <div><label for="r-framework">Framework</label>
          <select id="r-framework" value=${n.framework} onChange=${l("framework")}>
            ${bo.includes(n.format)?null:r`<option value="">All findings</option>`}
            ${(t.data?.data??[]).map(u=>r`<option value=${u.id}>${u.name} ${u.revision}</option>`)}
          </select></div>
        <div><label for="r-format">Format</label>
          <select id="r-format" value=${n.format} onChange=${l("format")}>
            ${go.map(([u,p])=>r`<option value=${u}>${p}</option>`)}
          </select></div>
        <div><label for="r-title">Title (optional)</label><input id="r-title" value=${n.title} onInput=${l("title")} /></div>
      </div>
      <button type="submit" disabled=${a.busy}>Generate</button>
      <${D} error=${a.error} />
    </form>`}function xo({report:e}){let[t,n]=g(null);async function o(){n(null);try{let{blob:a,name:s}=await At(y(`/reports/${encodeURIComponent(e.id)}/download`)),l=URL.createObjectURL(a),i=document.createElement("a");i.href=l,i.download=e.filename??s,document.body.append(i),i.click(),i.remove(),setTimeout(()=>URL.revokeObjectURL(l),1e4)}catch(a){n(a)}}return r`<button type="button" class="secondary" onClick=${o} data-report=${e.id}>Download</button>
    <${D} error=${t} />`}function mn(){let e=k(n=>b(y(`/reports${S({per_page:50,sort:"-created_at"})}`),{signal:n}),[]),t=(e.data?.data??[]).some(n=>n.status==="PENDING"||n.status==="GENERATING");return O(()=>{if(!t)return;let n=setTimeout(e.reload,yo);return()=>clearTimeout(n)},[t,e.data]),r`
    <${x}>Reports</${x}>
    ${Z()?r`<${vo} onGenerated=${e.reload} />`:null}
    <${v} state=${e} what="Loading reports">${n=>n.data.length===0?r`<p>No reports yet.</p>`:r`<table data-testid="reports-table">
          <thead><tr><th scope="col">Title</th><th scope="col">Framework</th><th scope="col">Format</th><th scope="col">Status</th><th scope="col">Requested</th><th scope="col">Size</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
          <tbody>${n.data.map(o=>r`<tr data-report=${o.id} data-status=${o.status}>
            <td>${o.title??o.filename??"—"}</td>
            <td>${o.framework??"all"}</td>
            <td>${o.format}</td>
            <td><${L} status=${o.status} />${o.error?r` <span class="muted small">${o.error}</span>`:null}</td>
            <td><${A} value=${o.created_at} /></td>
            <td>${o.size_bytes?`${Math.ceil(o.size_bytes/1024)} KiB`:"—"}</td>
            <td>${o.status==="READY"?r`<${xo} report=${o} />`:null}</td>
          </tr>`)}</tbody>
        </table>`}
    </${v}>`}var wo=[["/","Overview"],["/inventory","Inventory"],["/findings","Findings"],["/compliance","Compliance"],["/paths","Path tracer"],["/exposure","Exposure"],["/jobs","Jobs"],["/reports","Reports"]],So=[["/",Xt],["/inventory",en],["/nodes/:nodeId",ln],["/findings",cn],["/findings/:findingId",dn],["/compliance",Xe],["/compliance/:framework",Xe],["/paths",un],["/exposure",pn],["/jobs",_n],["/jobs/:jobId",$n],["/reports",mn]];function ko(){let[e,t]=g(Et);return O(()=>Ct(t),[]),e}function To(e,t){return e==="/"?t==="/":t===e||t.startsWith(`${e}/`)||e==="/inventory"&&t.startsWith("/nodes/")}function Ce({session:e,where:t,children:n}){return r`
    <a class="skip-link" href="#main">Skip to content</a>
    <header class="topbar">
      <a class="brand" href="/">Infracast</a>
      <div class="who">
        <span>Tenant <strong data-testid="tenant">${e.tenant}</strong></span>
        <span class="muted">role ${e.role}</span>
        ${e.key_tenant===null?r`<button type="button" class="link-button" onClick=${()=>xe(null)}>Switch tenant</button>`:null}
        <button type="button" onClick=${()=>{ce(),H("/signin",{replace:!0})}}>Sign out</button>
      </div>
    </header>
    <div class="layout">
      <nav class="sidebar" aria-label="Console">
        <ul>
          ${wo.map(([o,a])=>r`
            <li><a href=${o} aria-current=${To(o,t.path)?"page":void 0}>${a}</a></li>`)}
        </ul>
      </nav>
      <main id="main" tabindex="-1">${n}</main>
    </div>`}function Po({where:e}){return r`<h1>Not found</h1><p>No console page at <code>${e.path}</code>.</p><p><a href="/">Overview</a></p>`}function Co(){let e=ko(),t=Ft();if(!e)return r`<${Gt} />`;if(!e.tenant)return r`<${Vt} session=${e} />`;if(t.path==="/signin")return H("/",{replace:!0}),null;for(let[n,o]of So){let a=Ht(n,t.path);if(a)return r`<${Ce} session=${e} where=${t}>
        <${o} key=${`${e.tenant}:${t.path}`} ...${a} search=${t.search} session=${e} />
      </${Ce}>`}return r`<${Ce} session=${e} where=${t}><${Po} where=${t} /></${Ce}>`}jt();var gn=document.getElementById("app");gn.textContent="";pt(r`<${Co} />`,gn);
